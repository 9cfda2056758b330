import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { hashFileOffThread } from '../../src/store/hash-worker.js';
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
