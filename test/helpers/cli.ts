// Runs the compiled CLI (dist/, built by scripts/bootstrap.sh) as a real process.
import { spawnSync, spawn, type SpawnSyncReturns } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CLI = path.join(ROOT, 'dist/cli/main.js');

export interface CliResult { code: number; stdout: string; stderr: string }

export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): CliResult {
  const r: SpawnSyncReturns<string> = spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8', cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env }, input: opts.input,
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function spawnCli(args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  return spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, ...opts.env } });
}

/**
 * The CLI with a station's config, run as a person (`--as`, root only) or as root when `as` is
 * null; `json` parses stdout and throws with stderr on a non-zero exit. `config` is read at each
 * call (tests set it in beforeAll).
 */
export function actingCli(config: () => string) {
  const cli = (as: string | null, ...args: string[]) => runCli(['--config', config(), ...(as ? ['--as', as] : []), ...args]);
  const json = <T>(as: string | null, ...args: string[]): T => {
    const r = cli(as, ...args);
    if (r.code !== 0) throw new Error(`${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  return { cli, json };
}
