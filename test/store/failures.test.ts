// Store-side failure (a really full disk) and the errno → error-code mapping of the read side.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ObjectStore, SourceError, StoreError } from '../../src/store/index.js';
import { sourceErrorFrom, storeErrorFrom } from '../../src/store/errors.js';
import { allHashes } from './helpers.js';
import { skipTest } from '../helpers/require.js';

describe('full store disk', () => {
  const dir = mkdtempSync(join(tmpdir(), 'evidock-full-'));
  const mnt = join(dir, 'mnt');
  let mounted = false;
  beforeAll(() => {
    mkdirSync(mnt);
    // A 1 MiB tmpfs is a real ENOSPC; needs root (as the loop-device tests do), else skipped.
    mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]).status === 0;
  });
  afterAll(() => {
    if (mounted) spawnSync('umount', [mnt]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with no-space, leaving no temp and no object', async (ctx) => {
    skipTest(ctx, 'store on a full tmpfs', !mounted && 'cannot mount a 1 MiB tmpfs (needs root)');
    const src = join(dir, 'clip.mp4');
    writeFileSync(src, randomBytes(3 * 1024 * 1024));
    const store = ObjectStore.forDataDir(mnt);
    const err = await store.ingestFile(src).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect((err as StoreError).code).toBe('no-space');
    expect(readdirSync(store.tmpDir)).toEqual([]);
    expect(await allHashes(store)).toEqual([]);

    // Room again: a small file goes through.
    const small = join(dir, 'photo.jpg');
    writeFileSync(small, randomBytes(10_000));
    expect((await store.ingestFile(small)).objectIsNew).toBe(true);
  });
});

const errno = (code: string) => Object.assign(new Error(code), { code });

describe('error mapping', () => {
  it.each([
    ['ENOENT', 'vanished'],
    ['EIO', 'io'],
    ['ENOTCONN', 'io'],
    ['ENODEV', 'io'],
    ['ELOOP', 'not-regular'],
    ['EACCES', 'unreadable'],
    ['EWHATEVER', 'io'],
  ])('source %s → %s', (code, want) => {
    const e = sourceErrorFrom(errno(code), '/cam/DCIM/x.MP4');
    expect(e).toBeInstanceOf(SourceError);
    expect((e as SourceError).code).toBe(want);
    expect((e as SourceError).cause).toMatchObject({ code });
  });

  it.each([
    ['ENOSPC', 'no-space', 1],
    ['EDQUOT', 'no-space', 1],
    ['EIO', 'io', 1],
  ])('store %s → %s', (code, want, exitCode) => {
    const e = storeErrorFrom(errno(code), 'writing');
    expect(e).toBeInstanceOf(StoreError);
    expect((e as StoreError).code).toBe(want);
    expect((e as StoreError).exitCode).toBe(exitCode);
  });
});
