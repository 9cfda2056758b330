// The one place src/dock/ spawns system tools (lsblk, blkid, losetup, mount, fusermount…).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

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
  if (opts.waitFor === 'exit') return runDaemonising(cmd, args, opts);
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
    child.on('close', (code: number | null, signal: NodeJS.Signals | null) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/**
 * Tools that leave a daemon behind (fusefat, mount.exfat-fuse): the daemon inherits the
 * launcher's stdout/stderr. With pipes, the daemon dies of SIGPIPE the first time it writes
 * after we stop reading (seen: a FUSE mount vanishing mid-ingest). So output goes to unlinked
 * temp files the daemon may keep writing to, and we wait for the launcher's exit only.
 */
function runDaemonising(cmd: string, args: string[], opts: RunOptions): Promise<RunResult> {
  const base = path.join(os.tmpdir(), `evidock-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  const outFd = fs.openSync(`${base}.out`, 'w+');
  const errFd = fs.openSync(`${base}.err`, 'w+');
  fs.unlinkSync(`${base}.out`);
  fs.unlinkSync(`${base}.err`);
  const readAll = (fd: number) => {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 1 << 20));
    fs.readSync(fd, buf, 0, buf.length, 0);
    return buf.toString('utf8');
  };
  const closeFds = () => { fs.closeSync(outFd); fs.closeSync(errFd); };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', outFd, errFd], env: { ...process.env, LC_ALL: 'C' } });
    const timer = opts.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs) : undefined;
    child.on('error', (err: NodeJS.ErrnoException) => {
      if (timer) clearTimeout(timer);
      closeFds();
      reject(err.code === 'ENOENT' ? new MissingToolError(cmd) : err);
    });
    child.on('exit', (code: number | null, signal: NodeJS.Signals | null) => {
      if (timer) clearTimeout(timer);
      const result = { code, signal, stdout: readAll(outFd), stderr: readAll(errFd) };
      closeFds();
      resolve(result);
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
