// SHA-256 of a file on a worker thread (one: a second added ~15 MB RSS for ~5 % speed). The copy pass hashes on the main thread while it
// copies; the verify pass (re-reading the written temp file) runs here, so that with two big
// files in flight both cores hash (measured: hashing was ~40 % of a 1 GiB ingest's samples).
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const buf = Buffer.allocUnsafeSlow(4 * 1024 * 1024);
parentPort.on('message', ({ id, path }) => {
  let fd;
  try {
    fd = fs.openSync(path, 'r');
    const h = crypto.createHash('sha256');
    let pos = 0;
    for (;;) {
      const n = fs.readSync(fd, buf, 0, buf.length, pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
    }
    parentPort.postMessage({ id, sha256: h.digest('hex'), bytes: pos });
  } catch (err) {
    parentPort.postMessage({ id, error: String(err && err.message || err), code: err && err.code });
  } finally {
    if (fd !== undefined) try { fs.closeSync(fd); } catch {}
  }
});
`;

interface Pending { resolve: (r: { sha256: string; bytes: number }) => void; reject: (e: Error) => void }

class HashPool {
  private readonly workers: Worker[] = [];
  private readonly idle: Worker[] = [];
  private readonly waiting: (() => void)[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  constructor(private readonly size: number) {}

  private spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (m: { id: number; sha256?: string; bytes?: number; error?: string; code?: string }) => {
      const p = this.pending.get(m.id);
      this.pending.delete(m.id);
      this.release(w);
      if (!p) return;
      if (m.error !== undefined) p.reject(Object.assign(new Error(m.error), { code: m.code }));
      else p.resolve({ sha256: m.sha256 as string, bytes: m.bytes as number });
    });
    w.on('error', (err) => { for (const p of this.pending.values()) p.reject(err); this.pending.clear(); });
    this.workers.push(w);
    return w;
  }

  private release(w: Worker): void {
    w.unref(); // an idle worker never keeps the process alive
    const next = this.waiting.shift();
    this.idle.push(w);
    next?.();
  }

  private async take(): Promise<Worker> {
    const w = this.idle.pop();
    if (w) return w;
    if (this.workers.length < this.size) return this.spawn();
    await new Promise<void>((r) => this.waiting.push(r));
    return this.take();
  }

  async hash(path: string): Promise<{ sha256: string; bytes: number }> {
    const w = await this.take();
    w.ref(); // a busy one does: its answer is awaited
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      w.postMessage({ id, path });
    });
  }
}

const pool = new HashPool(1);

/** SHA-256 and length of a whole file, computed off the main thread. */
export function hashFileOffThread(path: string): Promise<{ sha256: string; bytes: number }> {
  return pool.hash(path);
}
