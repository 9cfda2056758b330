// The copy's single pass (issue 8): the fingerprint and the head the metadata readers use are
// taken from the bytes as they pass, and must equal what reading the stored file gives; a batch
// is made durable by one syncfs through native-probes/build/store-sync.
import { readFileSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { open } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprintHandle, FingerprintTaker } from '../../src/store/fingerprint.js';
import { HEAD_KEEP } from '../../src/store/copy.js';
import { parseSyncLine, StoreSync, STORE_SYNC_PATH } from '../../src/store/store-sync.js';
import { headSource } from '../../src/media/byte-source.js';
import { noFile, skipTest } from '../helpers/require.js';
import { sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(() => { sb = sandbox(); });
afterEach(() => sb.cleanup());

const MiB = 1 << 20;

describe('fingerprint taken during the copy', () => {
  // Sizes around the 1 MiB spans and the 256 KiB / 4 MiB chunk sizes.
  it.each([0, 1, 65_536, HEAD_KEEP + 1, MiB - 1, MiB, MiB + 1, 2 * MiB - 7, 2 * MiB, 2 * MiB + 3, 4 * MiB + 5, 9 * MiB + 123])(
    'equals the fingerprint read back from the stored object (%i bytes)', async (size) => {
      const r = await sb.store.ingestFile(sb.file('f.bin', size));
      const fh = await open(r.path, 'r');
      try {
        expect(r.fingerprint).toBe(await fingerprintHandle(fh, size));
      } finally {
        await fh.close();
      }
      expect(r.head.equals(readFileSync(r.path).subarray(0, HEAD_KEEP))).toBe(true);
    });

  it('fed in odd chunks, gives the same fingerprint; a different length gives none', async () => {
    const data = Buffer.alloc(3 * MiB + 17, 7).map((_, i) => (i * 31) % 251);
    const whole = new FingerprintTaker(data.length);
    whole.update(data, 0);
    const pieces = new FingerprintTaker(data.length);
    for (let at = 0; at < data.length; at += 300_001) pieces.update(data.subarray(at, at + 300_001), at);
    expect(pieces.digest(data.length)).toBe(whole.digest(data.length));
    const short = new FingerprintTaker(data.length + 1);
    short.update(data, 0);
    expect(short.digest(data.length)).toBeUndefined();
  });
});

describe('headSource', () => {
  it('serves reads inside the head from memory and the rest from the file', async () => {
    const p = sb.file('big.bin', 300_000);
    const all = readFileSync(p);
    const src = headSource(all.subarray(0, 1000), all.length, p);
    expect((await src.read(10, 20)).equals(all.subarray(10, 30))).toBe(true);
    expect((await src.read(990, 50)).equals(all.subarray(990, 1040))).toBe(true);
    expect((await src.read(299_990, 100)).equals(all.subarray(299_990))).toBe(true);
    await src.close();
  });
});

describe('store-sync', () => {
  it.each([
    ['ok', undefined],
    ['err EIO syncfs: Input/output error', 'EIO: syncfs: Input/output error'],
    ['garbage', 'unreadable answer from store-sync: "garbage"'],
  ])('parses %j', (line, want) => {
    expect(parseSyncLine(line)).toBe(want);
  });

  it('serves concurrent barriers (coalesced) and makes a batch durable with syncfs', async (ctx) => {
    skipTest(ctx, 'store-sync helper', noFile(STORE_SYNC_PATH, 'native-probes/build/store-sync (make -C native-probes)'));
    const a = await sb.store.ingestFile(sb.file('a.jpg', 70_000));
    const b = await sb.store.ingestFile(sb.file('b.jpg', 5 * MiB));
    await Promise.all([sb.store.makeDurable([a.path]), sb.store.makeDurable([b.path]), sb.store.makeDurable([a.path, b.path])]);
    const s = new StoreSync(sb.dir);
    await Promise.all([s.barrier(), s.barrier(), s.barrier()]);
    s.close();
  });

  it('a helper that cannot run fails the barrier (nothing is committed)', async () => {
    const s = new StoreSync(sb.dir, '/nonexistent/store-sync');
    expect(s.available).toBe(false);
    await expect(s.barrier()).rejects.toThrow(/store-sync/);
  });
});

describe('small files in one worker round trip', () => {
  it('store the same object, fingerprint and head as the async path; 0444; no temp left', async () => {
    const content = sb.file('a.jpg', 70_000);
    const viaWorker = await sb.store.ingestFile(content, { sizeHint: 70_000 });
    expect(viaWorker.outcome).toBe('new');
    expect(statSync(viaWorker.path).mode & 0o777).toBe(0o444);
    expect(readFileSync(viaWorker.path).equals(readFileSync(content))).toBe(true);
    const again = await sb.store.ingestFile(content); // async path: the object is there, re-hashed
    expect(again).toEqual({ ...viaWorker, objectIsNew: false, outcome: 'existing' });
    const dup = await sb.store.ingestFile(content, { sizeHint: 70_000 }); // worker: link EEXIST → async path decides
    expect(dup.outcome).toBe('existing');
    expect(sb.tempFiles()).toEqual([]);
  });

  it('a file larger than its hint said goes the async way; a symlink and a missing file are refused', async () => {
    const big = sb.file('big.mp4', 3 * MiB);
    const r = await sb.store.ingestFile(big, { sizeHint: 1000 });
    expect(r.size).toBe(3 * MiB);
    symlinkSync(big, join(sb.dir, 'link.jpg'));
    await expect(sb.store.ingestFile(join(sb.dir, 'link.jpg'), { sizeHint: 10 })).rejects.toMatchObject({ code: 'not-regular' });
    await expect(sb.store.ingestFile(join(sb.dir, 'gone.jpg'), { sizeHint: 10 })).rejects.toMatchObject({ code: 'vanished' });
    expect(sb.tempFiles()).toEqual([]);
  });
});
