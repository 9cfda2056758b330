// Temp data dirs with real SQLite files, and child processes that run src/custody directly
// (Node strips the TypeScript types; a resolve hook maps the `.js` import suffixes to `.ts`).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const HERE = path.dirname(fileURLToPath(import.meta.url));

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evidock-custody-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const sha = (n: number): string => n.toString(16).padStart(64, '0');

export interface Worker {
  child: ChildProcessWithoutNullStreams;
  /** Resolves with the next stdout line. */
  line: () => Promise<string>;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

export function spawnWorker(args: string[]): Worker {
  const child = spawn(process.execPath, [
    '--no-warnings', '--import', path.join(HERE, 'fixtures/ts-hooks.mjs'), path.join(HERE, 'fixtures/worker.ts'), ...args,
  ], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const lines: string[] = [];
  const waiting: ((l: string) => void)[] = [];
  createInterface({ input: child.stdout }).on('line', (l) => {
    const w = waiting.shift();
    if (w) w(l); else lines.push(l);
  });
  const exited = new Promise<number | string>((resolve) => {
    child.on('exit', (code, signal) => {
      if (code !== 0 && code !== null && stderr) process.stderr.write(`worker ${args.join(' ')}: ${stderr}\n`);
      resolve(code ?? signal ?? -1);
    });
  });
  const line = (): Promise<string> => {
    const l = lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve, reject) => {
      waiting.push(resolve);
      void exited.then((c) => reject(new Error(`worker exited (${c}) before writing a line: ${stderr}`)));
    });
  };
  return { child, line, exited };
}
