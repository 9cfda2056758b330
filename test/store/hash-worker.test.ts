import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { hashFileOffThread, HashPool, HashWorkerDied, STALL_MS, storePipelineHealthy } from '../../src/store/hash-worker.js';
import { Semaphore } from '../../src/util/mutex.js';
import { tempDir } from '../helpers/volumes.js';

const dir = tempDir('hashw');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('hashFileOffThread', () => {
  it('gives the same SHA-256 and length as hashing in-process, for several files at once', async () => {
    const files = [0, 1, 5 << 20, (9 << 20) + 3].map((n, i) => {
      const f = path.join(dir, `f${i}`);
      fs.writeFileSync(f, crypto.randomBytes(n));
      return f;
    });
    const got = await Promise.all(files.map((f) => hashFileOffThread(f)));
    got.forEach((g, i) => {
      const buf = fs.readFileSync(files[i]!);
      expect(g).toEqual({ sha256: crypto.createHash('sha256').update(buf).digest('hex'), bytes: buf.length });
    });
  });

  it('rejects with the error code of a missing file', async () => {
    await expect(hashFileOffThread(path.join(dir, 'nope'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe('Semaphore', () => {
  it('admits at most n holders, then the waiters in order', async () => {
    const s = new Semaphore(2);
    let inside = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all([1, 2, 3, 4, 5].map(async (n) => {
      const release = await s.acquire();
      inside += 1; peak = Math.max(peak, inside); order.push(n);
      await new Promise((r) => setTimeout(r, 5));
      inside -= 1;
      release();
      release(); // a second call is harmless
    }));
    expect(peak).toBe(2);
    expect(order).toEqual([1, 2, 3, 4, 5]);
  });
});

describe('HashPool: a dead worker (issue 7 defect 2)', () => {
  // A real worker thread that dies (process.exit in a worker ends only that thread) on one path.
  const DYING = `
const { parentPort } = require('node:worker_threads');
const crypto = require('node:crypto');
const fs = require('node:fs');
parentPort.on('message', ({ id, path }) => {
  if (path.endsWith('.die')) process.exit(7);
  const b = fs.readFileSync(path);
  parentPort.postMessage({ id, sha256: crypto.createHash('sha256').update(b).digest('hex'), bytes: b.length });
});`;

  it('fails only the job it was running, replaces the worker, and stays healthy after one death', async () => {
    const pool = new HashPool(1, DYING);
    try {
      const good = path.join(dir, 'good');
      fs.writeFileSync(good, 'hello');
      const want = crypto.createHash('sha256').update('hello').digest('hex');
      // Three jobs queued behind the one that kills its worker: without the fix they hang forever.
      const jobs = [pool.hash(path.join(dir, 'x.die')), pool.hash(good), pool.hash(good), pool.hash(good)];
      const [dead, ...rest] = await Promise.allSettled(jobs);
      expect(dead).toMatchObject({ status: 'rejected', reason: expect.any(HashWorkerDied) });
      for (const r of rest) expect(r).toEqual({ status: 'fulfilled', value: { sha256: want, bytes: 5 } });
      expect(pool.healthy()).toBe(true);
    } finally {
      await pool.close();
    }
  });

  it('reports unhealthy when workers keep dying, and when a job is wedged', async () => {
    const pool = new HashPool(1, DYING);
    try {
      for (let i = 0; i < 3; i++) await expect(pool.hash(path.join(dir, `${i}.die`))).rejects.toBeInstanceOf(HashWorkerDied);
      expect(pool.healthy()).toBe(false);
      expect(pool.healthy(Date.now() + 61_000)).toBe(true); // deaths age out
    } finally {
      await pool.close();
    }
    const FROZEN = `require('node:worker_threads').parentPort.on('message', () => { for (;;) {} });`;
    const stuck = new HashPool(1, FROZEN);
    const job = stuck.hash('/dev/null');
    job.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 50));
    expect(stuck.healthy()).toBe(true);
    expect(stuck.healthy(Date.now() + STALL_MS + 1000)).toBe(false);
    await stuck.close();
    await expect(job).rejects.toBeInstanceOf(HashWorkerDied);
  });

  it('storePipelineHealthy() is true for the process pool at rest', () => {
    expect(storePipelineHealthy()).toBe(true);
  });
});
