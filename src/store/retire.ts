// Removing a purged object (retention, invariant 5). The file is first moved to <root>/retired,
// not unlinked: an ingest of the same bytes may have found it for deduplication just before the
// purge committed. The next sweep deletes it only if still no row names it, else puts it back.
import { constants as C } from 'node:fs';
import { link, mkdir, open, readdir, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { errnoOf, storeErrorFrom } from './errors.js';
import type { ObjectStore } from './object-store.js';

const HASH = /^[0-9a-f]{64}$/;

export function retiredDir(store: ObjectStore): string {
  return join(store.root, 'retired');
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, C.O_RDONLY | C.O_DIRECTORY);
  try { await fh.sync(); } finally { await fh.close(); }
}

/** Moves an object out of the store. Returns its size, or 0 when it was not there. */
export async function retireObject(store: ObjectStore, sha256: string): Promise<number> {
  const from = store.pathFor(sha256);
  const dir = retiredDir(store);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let size: number;
  try {
    size = (await stat(from)).size;
    await rename(from, join(dir, sha256));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return 0;
    throw storeErrorFrom(err, `retiring object ${sha256}`);
  }
  await fsyncDir(dirname(from));
  await fsyncDir(dir);
  return size;
}

export interface SweepResult { deleted: string[]; restored: string[] }

/** Deletes retired objects nothing names any more; restores those a row names again. */
export async function sweepRetired(store: ObjectStore, isNamed: (sha256: string) => boolean): Promise<SweepResult> {
  const dir = retiredDir(store);
  const out: SweepResult = { deleted: [], restored: [] };
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => HASH.test(n)).sort();
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return out;
    throw err;
  }
  for (const h of names) {
    const p = join(dir, h);
    if (isNamed(h)) {
      const dest = store.pathFor(h);
      await mkdir(dirname(dest), { recursive: true, mode: 0o755 });
      try {
        await link(p, dest);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw storeErrorFrom(err, `restoring retired object ${h}`);
      }
      await fsyncDir(dirname(dest));
      out.restored.push(h);
    } else {
      out.deleted.push(h);
    }
    await unlink(p);
  }
  if (names.length) await fsyncDir(dir);
  return out;
}
