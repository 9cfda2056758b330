// Every way a source can go wrong ends in a typed error, with no temp file and no object left.
import { spawnSync } from 'node:child_process';
import { appendFileSync, symlinkSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AbortError, SourceError, type SourceErrorCode } from '../../src/store/index.js';
import { allHashes, sandbox, type Sandbox } from './helpers.js';

let sb: Sandbox;
beforeEach(() => {
  sb = sandbox();
});
afterEach(() => sb.cleanup());

const BIG = 64 * 1024 * 1024; // 16 chunks: the first onBytes fires long before EOF

async function expectSourceError(p: Promise<unknown>, code: SourceErrorCode): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SourceError);
  expect((err as SourceError).code).toBe(code);
  expect(sb.tempFiles()).toEqual([]);
  expect(await allHashes(sb.store)).toEqual([]);
}

it('refuses a symlink source', async () => {
  const target = sb.file('real.mp4', 1000);
  const link = join(sb.dir, 'link.mp4');
  symlinkSync(target, link);
  await expectSourceError(sb.store.ingestFile(link), 'not-regular');
});

it('refuses a FIFO without blocking on it', async () => {
  const fifo = join(sb.dir, 'pipe.mp4');
  expect(spawnSync('mkfifo', [fifo]).status).toBe(0);
  await expectSourceError(sb.store.ingestFile(fifo), 'not-regular');
}, 5_000);

it('refuses a directory', async () => {
  await expectSourceError(sb.store.ingestFile(sb.dir), 'not-regular');
});

it('reports a source that grows during the copy as changed', async () => {
  const src = sb.file('growing.mp4', BIG);
  let appended = false;
  const onBytes = () => {
    if (!appended) appendFileSync(src, Buffer.alloc(4096, 7));
    appended = true;
  };
  await expectSourceError(sb.store.ingestFile(src, { onBytes }), 'changed');
});

it('reports a source that shrinks during the copy as changed', async () => {
  const src = sb.file('shrinking.mp4', BIG);
  let done = false;
  const onBytes = () => {
    if (!done) truncateSync(src, BIG / 2);
    done = true;
  };
  await expectSourceError(sb.store.ingestFile(src, { onBytes }), 'changed');
});

it('reports a missing source as vanished', async () => {
  await expectSourceError(sb.store.ingestFile(join(sb.dir, 'never-there.mp4')), 'vanished');
});

it('reports a source deleted during the copy as vanished', async () => {
  const src = sb.file('deleted.mp4', BIG);
  let done = false;
  const onBytes = () => {
    if (!done) unlinkSync(src);
    done = true;
  };
  await expectSourceError(sb.store.ingestFile(src, { onBytes }), 'vanished');
});

it('aborts via the signal, removing the temp file', async () => {
  const src = sb.file('long.mp4', BIG);
  const ac = new AbortController();
  const err = await sb.store.ingestFile(src, { signal: ac.signal, onBytes: () => ac.abort() }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AbortError);
  expect((err as Error).name).toBe('AbortError');
  expect(sb.tempFiles()).toEqual([]);
  expect(await allHashes(sb.store)).toEqual([]);
});

it('does not start when the signal is already aborted', async () => {
  const ac = new AbortController();
  ac.abort();
  await expect(sb.store.ingestFile(sb.file('x', 10), { signal: ac.signal })).rejects.toBeInstanceOf(AbortError);
});
