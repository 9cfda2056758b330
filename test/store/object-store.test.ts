import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, openSync, readFileSync, readSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError } from '../../src/store/index.js';
import { allHashes, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

function sha256sum(path: string): string {
  const r = spawnSync('sha256sum', [path], { encoding: 'utf8' });
  expect(r.status).toBe(0);
  return r.stdout.split(/\s+/)[0]!;
}

describe('ObjectStore.ingestFile', () => {
  it('stores under sha256/<aa>/<bb>/<hash>, read-only, hash equal to sha256sum', async () => {
    // Spans several 4 MiB chunks plus a partial one, to exercise the double-buffered loop.
    const src = sb.file('clip.mp4', 9 * 1024 * 1024 + 123);
    let progressed = 0;
    const r = await sb.store.ingestFile(src, { onBytes: (n) => (progressed += n) });

    expect(r.sha256).toBe(sha256sum(src));
    expect(r.size).toBe(statSync(src).size);
    expect(progressed).toBe(r.size);
    expect(r.objectIsNew).toBe(true);
    const h = r.sha256;
    expect(r.path).toBe(join(sb.dir, 'data', 'store', 'sha256', h.slice(0, 2), h.slice(2, 4), h));
    expect(sb.store.pathFor(h)).toBe(r.path);
    expect(statSync(r.path).mode & 0o777).toBe(0o444);
    expect(sha256sum(r.path)).toBe(h);
    expect(sb.store.has(h)).toBe(true);
    expect(sb.tempFiles()).toEqual([]);
  });

  it('stores identical content once', async () => {
    const a = sb.file('a.jpg', 100_000);
    const b = sb.file('b.jpg', readFileSync(a));
    const first = await sb.store.ingestFile(a);
    const second = await sb.store.ingestFile(b);
    expect(first.objectIsNew).toBe(true);
    expect(second).toEqual({ ...first, objectIsNew: false, outcome: 'existing' });
    expect(await allHashes(sb.store)).toEqual([first.sha256]);
    expect(await sb.store.usage()).toEqual({ objects: 1, bytes: 100_000 });
    expect(sb.tempFiles()).toEqual([]);
  });

  it('stores identical content once when two ingests race', async () => {
    const a = sb.file('a.mp4', 6 * 1024 * 1024);
    const b = sb.file('b.mp4', readFileSync(a));
    const [ra, rb] = await Promise.all([sb.store.ingestFile(a), sb.store.ingestFile(b)]);
    expect([ra.objectIsNew, rb.objectIsNew].sort()).toEqual([false, true]);
    expect(ra.path).toBe(rb.path);
    expect(await allHashes(sb.store)).toEqual([ra.sha256]);
    expect(sb.tempFiles()).toEqual([]);
  });

  it('stores an empty file', async () => {
    const r = await sb.store.ingestFile(sb.file('empty.txt', ''));
    expect(r.sha256).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(r.size).toBe(0);
  });

  it('never deduplicates onto an existing object of the wrong size: the fresh copy replaces it', async () => {
    const src = sb.file('a.bin', 5000);
    const r = await sb.store.ingestFile(src);
    chmodSync(r.path, 0o644);
    const fd = openSync(r.path, 'a');
    writeSync(fd, 'x');
    closeSync(fd);
    const again = await sb.store.ingestFile(src);
    expect(again).toMatchObject({ sha256: r.sha256, outcome: 'replaced', objectIsNew: false });
    expect(await sb.store.verifyObject(r.sha256, 5000)).toBe('ok');
    expect(sb.tempFiles()).toEqual([]);
  });

  it('re-hashes an existing object of the right size before trusting it (rot): the fresh copy replaces it', async () => {
    const src = sb.file('b.bin', 5000);
    const r = await sb.store.ingestFile(src);
    chmodSync(r.path, 0o644);
    const fd = openSync(r.path, 'r+');
    writeSync(fd, 'X', 2500);
    closeSync(fd);
    expect(await sb.store.verifyObject(r.sha256, 5000)).toBe('mismatch');
    const again = await sb.store.ingestFile(src);
    expect(again.outcome).toBe('replaced');
    expect(await sb.store.verifyObject(r.sha256, 5000)).toBe('ok');
  });

  it('lists and measures several objects', async () => {
    const hashes = [];
    for (let i = 0; i < 5; i++) hashes.push((await sb.store.ingestFile(sb.file(`f${i}`, 1000 + i))).sha256);
    expect(await allHashes(sb.store)).toEqual([...hashes].sort());
    expect(await sb.store.usage()).toEqual({ objects: 5, bytes: 5010 });
  });
});

describe('ObjectStore.verifyObject', () => {
  it('is ok for an intact object, mismatch after a flipped byte, missing when absent', async () => {
    const r = await sb.store.ingestFile(sb.file('clip.mp4', 300_000));
    expect(await sb.store.verifyObject(r.sha256)).toBe('ok');
    expect(await sb.store.verifyObject(r.sha256, r.size)).toBe('ok');
    expect(await sb.store.verifyObject(r.sha256, r.size + 1)).toBe('mismatch');

    chmodSync(r.path, 0o644);
    const fd = openSync(r.path, 'r+');
    const one = Buffer.alloc(1);
    readSync(fd, one, 0, 1, 150_000);
    one[0] = one[0]! ^ 0x01;
    writeSync(fd, one, 0, 1, 150_000);
    closeSync(fd);
    expect(await sb.store.verifyObject(r.sha256, r.size)).toBe('mismatch');

    expect(await sb.store.verifyObject('0'.repeat(64))).toBe('missing');
    expect(sb.store.has('0'.repeat(64))).toBe(false);
  });

  it('rejects a malformed hash', () => {
    expect(() => sb.store.pathFor('../../etc/passwd')).toThrow(StoreError);
    expect(() => sb.store.pathFor('A'.repeat(64))).toThrow(/not a sha256/);
  });
});
