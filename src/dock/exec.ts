// The one place src/dock/ spawns system tools (lsblk, blkid, losetup, mount, fusermount…).
import { spawn } from 'node:child_process';

export interface RunResult { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }

export interface RunOptions {
  timeoutMs?: number;
  /**
   * 'exit' for tools that daemonise (fusefat, mount.exfat-fuse): the FUSE daemon inherits our
   * pipes, so 'close' could wait for the whole life of the mount.
   */
  waitFor?: 'close' | 'exit';
}

/** Error for a tool that is not installed (ENOENT), so callers can degrade with a warning. */
export class MissingToolError extends Error {
  constructor(readonly tool: string) {
    super(`${tool} is not installed (not found on PATH)`);
    this.name = 'MissingToolError';
  }
}

export class ToolError extends Error {
  constructor(readonly tool: string, readonly args: string[], readonly result: RunResult) {
    const why = result.stderr.trim() || result.stdout.trim() || `exit ${result.code ?? result.signal}`;
    super(`${tool} ${args.join(' ')}: ${why}`);
    this.name = 'ToolError';
  }
}

export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = opts.timeoutMs
      ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs)
      : undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      reject(err.code === 'ENOENT' ? new MissingToolError(cmd) : err);
    });
    child.on(opts.waitFor ?? 'close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (timer) clearTimeout(timer);
      if (opts.waitFor !== 'exit') { resolve({ code, signal, stdout, stderr }); return; }
      // Let already-written output drain, then let go of pipes a daemon may still hold open.
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
        resolve({ code, signal, stdout, stderr });
      }, 50);
    });
  });
}

/** Runs and throws ToolError unless the exit code is 0 (or one of `okCodes`). */
export async function runChecked(cmd: string, args: string[], opts: RunOptions & { okCodes?: number[] } = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  const ok = opts.okCodes ?? [0];
  if (r.code === null || !ok.includes(r.code)) throw new ToolError(cmd, args, r);
  return r;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Minimal logger surface (a winston Logger fits); defaults to stderr. */
export interface DockLog {
  warn(message: string, meta?: Record<string, unknown>): unknown;
  debug?(message: string, meta?: Record<string, unknown>): unknown;
}

export const stderrLog: DockLog = {
  warn: (message, meta) => { process.stderr.write(`warn ${message}${meta ? ' ' + JSON.stringify(meta) : ''}\n`); },
};
