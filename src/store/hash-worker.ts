// SHA-256 of a file on a worker thread (one: a second added ~15 MB RSS for ~5 % speed). Used
// where the store re-hashes an object it already has (deduplication, orphans, wipe, scrub), so
// the copy loop on the main thread keeps going meanwhile.
// A worker that dies (crash, out of memory, terminated) fails only the job it was running and is
// replaced for the next one (issue 7 defect 2). storePipelineHealthy() tells the daemon's
// watchdog whether the pipeline still moves: no job silent for longer than STALL_MS, and workers
// not dying over and over.
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const fs = process.getBuiltinModule('node:fs');
const crypto = process.getBuiltinModule('node:crypto');
const buf = Buffer.allocUnsafeSlow(4 * 1024 * 1024);
parentPort.on('message', ({ id, path }) => {
  let fd;
  try {
    fd = fs.openSync(path, 'r');
    const h = crypto.createHash('sha256');
    let pos = 0;
    let told = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
      if (pos - told >= 64 * 1024 * 1024) { told = pos; parentPort.postMessage({ id, progress: pos }); }
    }
    parentPort.postMessage({ id, sha256: h.digest('hex'), bytes: pos });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err), code: err && err.code });
  } finally {
    if (fd !== undefined) try { fs.closeSync(fd); } catch {}
  }
});
`;

/** A job with no progress for this long means the pipeline is wedged (64 MiB at a slow 1 MB/s). */
export const STALL_MS = 90_000;
const DEATHS_WINDOW_MS = 60_000;
const DEATHS_UNHEALTHY = 3;

interface Job { id: number; resolve: (r: { sha256: string; bytes: number }) => void; reject: (e: Error) => void; lastProgress: number }
type Message = { id: number; progress?: number; sha256?: string; bytes?: number; error?: string; code?: string };

export class HashWorkerDied extends Error {
  override readonly name = 'HashWorkerDied';
}

export class HashPool {
  private readonly idle: Worker[] = [];
  private readonly jobs = new Map<Worker, Job>();
  private readonly waiting: (() => void)[] = [];
  private alive = 0;
  private nextId = 1;
  private deaths: number[] = [];

  /** `source`: the worker's code (tests give one that dies, to prove a death fails only its job). */
  constructor(private readonly size: number, private readonly source: string = WORKER_SOURCE) {}

  private spawn(): Worker {
    const w = new Worker(this.source, { eval: true });
    this.alive += 1;
    w.on('message', (m: Message) => {
      const job = this.jobs.get(w);
      if (!job || job.id !== m.id) return;
      if (m.progress !== undefined) { job.lastProgress = Date.now(); return; }
      this.jobs.delete(w);
      this.release(w);
      if (m.error !== undefined) job.reject(Object.assign(new Error(m.error), { code: m.code }));
      else job.resolve({ sha256: m.sha256 as string, bytes: m.bytes as number });
    });
    const died = (why: string) => {
      if (!this.forget(w)) return;
      this.deaths.push(Date.now());
      const job = this.jobs.get(w);
      this.jobs.delete(w);
      job?.reject(new HashWorkerDied(`hash worker died (${why}); this file's hash was not computed`));
      this.waiting.shift()?.(); // a slot is free again: the next job gets a fresh worker
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => died(`exit ${code}`));
    return w;
  }

  /** Drops a dead worker; false when it was already dropped. */
  private forget(w: Worker): boolean {
    if ((w as Worker & { dead?: boolean }).dead) return false;
    (w as Worker & { dead?: boolean }).dead = true;
    this.alive -= 1;
    const i = this.idle.indexOf(w);
    if (i >= 0) this.idle.splice(i, 1);
    return true;
  }

  private release(w: Worker): void {
    w.unref(); // an idle worker never keeps the process alive
    this.idle.push(w);
    this.waiting.shift()?.();
  }

  private async take(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return w;
    if (this.alive < this.size) return this.spawn();
    await new Promise<void>((r) => this.waiting.push(r));
    return this.take();
  }

  async hash(path: string): Promise<{ sha256: string; bytes: number }> {
    const w = await this.take();
    w.ref(); // a busy one does: its answer is awaited
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.jobs.set(w, { id, resolve, reject, lastProgress: Date.now() });
      w.postMessage({ id, path });
    });
  }

  /** False when a job has shown no progress for STALL_MS, or workers keep dying. */
  healthy(now = Date.now()): boolean {
    this.deaths = this.deaths.filter((t) => now - t < DEATHS_WINDOW_MS);
    if (this.deaths.length >= DEATHS_UNHEALTHY) return false;
    for (const job of this.jobs.values()) if (now - job.lastProgress > STALL_MS) return false;
    return true;
  }

  /** Stop every worker (tests, shutdown); running jobs fail. */
  async close(): Promise<void> {
    const all = [...this.idle, ...this.jobs.keys()];
    await Promise.all(all.map((w) => w.terminate()));
  }
}

const pool = new HashPool(1);

/** SHA-256 and length of a whole file, computed off the main thread. */
export function hashFileOffThread(path: string): Promise<{ sha256: string; bytes: number }> {
  return pool.hash(path);
}

/**
 * For the daemon's sd_notify WATCHDOG: true while the store pipeline can still hash (no job
 * wedged, workers not dying over and over). When false, the daemon stops petting the watchdog
 * and systemd restarts it.
 */
export function storePipelineHealthy(now = Date.now()): boolean {
  return pool.healthy(now);
}
