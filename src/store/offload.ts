// Dropping the local copy of an object the backend bucket holds locked (issue 14, opt-in
// upstream.pruneLocal). Custody notes the object as upstream-only first; this only unlinks the file,
// so a crash in between leaves a file custody no longer counts on (the next prune finishes it).
import { constants as C } from 'node:fs';
import { open, stat, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoOf, storeErrorFrom } from './errors.js';
import type { ObjectStore } from './object-store.js';

/** Removes the local file of an object. Returns its size, or 0 when it was not there. */
export async function offloadObject(store: ObjectStore, sha256: string): Promise<number> {
  const p = store.pathFor(sha256);
  let size: number;
  try {
    size = (await stat(p)).size;
    await unlink(p);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return 0;
    throw storeErrorFrom(err, `offloading object ${sha256}`);
  }
  const fh = await open(dirname(p), C.O_RDONLY | C.O_DIRECTORY);
  try { await fh.sync(); } finally { await fh.close(); }
  return size;
}
