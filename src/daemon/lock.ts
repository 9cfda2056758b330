// One daemon per dataDir: two would both ingest every dock. The lock is a flock(2) on
// <dataDir>/run/daemon.lock, held by a small child (`flock FILE cat`) whose stdin is a pipe from
// this process: when the daemon exits, however it dies (SIGKILL included), the pipe closes, cat
// ends and the kernel drops the lock. No stale lock file to clean up, no race between two starts.
// Node has no flock of its own and a native addon would be a new dependency; flock(1) is util-linux,
// like lsblk and mount, which evidock already needs. daemon.pid beside it names the holder.
// Where flock(1) is missing (a minimal busybox system has no flock applet), the lock is daemon.pid
// itself, created exclusively and taken over only when its pid and start time name no live process.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { processStartTime, sameProcessAlive } from '../util/proc.js';

/** Another daemon holds the lock: exit 1 (a failure, not a usage error). */
export class DaemonLockedError extends Error {
  readonly exitCode = 1;
  constructor(readonly lockFile: string, readonly holderPid: number | undefined) {
    super(`another evidock daemon${holderPid ? ` (pid ${holderPid})` : ''} is running on this dataDir (it holds ${lockFile}); `
      + 'only one daemon may ingest into a dataDir');
    this.name = 'DaemonLockedError';
  }
}

export interface DaemonLock { file: string; release(): Promise<void> }

export const lockPath = (dataDir: string) => path.join(dataDir, 'run', 'daemon.lock');
export const pidPath = (dataDir: string) => path.join(dataDir, 'run', 'daemon.pid');

/** The pid the holder wrote, when that process (same pid and start time) still runs. */
export function lockHolder(dataDir: string): number | undefined {
  try {
    const { pid, start } = JSON.parse(fs.readFileSync(pidPath(dataDir), 'utf8')) as { pid: number; start?: string };
    return sameProcessAlive(pid, start) ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** True while some process holds the daemon lock of dataDir (asked of the kernel when flock(1) is there). */
export function daemonLockHeld(dataDir: string): boolean {
  const file = lockPath(dataDir);
  if (!fs.existsSync(file)) return lockHolder(dataDir) !== undefined;
  const r = spawnSync('flock', ['-n', '-s', file, 'true'], { stdio: 'ignore', timeout: 5000 });
  if (r.error) return lockHolder(dataDir) !== undefined; // no flock(1): the pid file decides
  return r.status !== 0;
}

function writePidFile(dataDir: string): void {
  const tmp = `${pidPath(dataDir)}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) ?? null }));
  fs.renameSync(tmp, pidPath(dataDir));
}

/** Fallback without flock(1): daemon.pid created exclusively; a dead holder's file is taken over. */
function acquirePidFileLock(dataDir: string): DaemonLock {
  const file = pidPath(dataDir);
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = fs.openSync(file, 'wx');
      fs.writeSync(fd, JSON.stringify({ pid: process.pid, start: processStartTime(process.pid) ?? null }));
      fs.closeSync(fd);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw err;
      const holder = lockHolder(dataDir);
      if (holder !== undefined && holder !== process.pid) throw new DaemonLockedError(file, holder);
      fs.rmSync(file, { force: true }); // its owner is gone
    }
  }
  return { file, release: async () => { if (lockHolder(dataDir) === process.pid) fs.rmSync(file, { force: true }); } };
}

export async function acquireDaemonLock(dataDir: string): Promise<DaemonLock> {
  const file = lockPath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // -n: exit 1 at once (and quietly) when another process holds it; else run the command, which
  // says "locked" and then waits on its stdin for as long as we live.
  const child: ChildProcess = spawn('flock', ['-n', file, 'sh', '-c', 'echo locked; exec cat'], {
    stdio: ['pipe', 'pipe', 'pipe'], detached: true,
  });
  const outcome = await new Promise<'locked' | 'busy' | 'no-flock' | Error>((resolve) => {
    let err = '';
    child.stdout!.setEncoding('utf8').once('data', () => resolve('locked'));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => { err += d; });
    child.once('error', (e: NodeJS.ErrnoException) => resolve(e.code === 'ENOENT' ? 'no-flock' : e));
    child.once('exit', (code) => resolve(code === 1 && err.trim() === '' ? 'busy' : new Error(`flock ${file}: ${err.trim() || `exit ${code}`}`)));
  });
  if (outcome === 'no-flock') return acquirePidFileLock(dataDir);
  if (outcome !== 'locked') {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (outcome === 'busy') throw new DaemonLockedError(file, lockHolder(dataDir));
    throw outcome;
  }
  // Held: the child must not keep this process alive, and must outlive nothing but us.
  child.unref();
  (child.stdout as unknown as { unref?: () => void }).unref?.();
  (child.stderr as unknown as { unref?: () => void }).unref?.();
  (child.stdin as unknown as { unref?: () => void }).unref?.();
  writePidFile(dataDir);
  let released: Promise<void> | undefined;
  return {
    file,
    release: () => released ??= new Promise<void>((resolve) => {
      fs.rmSync(pidPath(dataDir), { force: true });
      if (child.exitCode !== null) { resolve(); return; }
      child.ref(); // wait for it: the lock is free once it has exited
      child.once('exit', () => resolve());
      child.stdin!.end();
      setTimeout(() => { child.kill('SIGKILL'); resolve(); }, 2000).unref();
    }),
  };
}
