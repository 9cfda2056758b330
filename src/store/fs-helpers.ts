// Small file-system helpers of the object store (object-store.ts): errors on the store's side are
// StoreErrors naming what was being done.
import { constants as C, lstatSync, type Stats } from 'node:fs';
import { lstat, open, readdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { errnoOf, storeErrorFrom } from './errors.js';

/** The store root, or its nearest existing ancestor before the layout exists (for statfs). */
export function existingAncestor(dir: string): string {
  let d = dir;
  for (;;) {
    try { lstatSync(d); return d; } catch { /* go up */ }
    const up = dirname(d);
    if (up === d) return d;
    d = up;
  }
}

export function statChanged(a: Stats, b: Stats): boolean {
  return a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.ino !== b.ino;
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, C.O_RDONLY | C.O_DIRECTORY).catch((err: unknown) => {
    throw storeErrorFrom(err, `opening ${dir}`);
  });
  try {
    await fh.sync();
  } catch (err) {
    throw storeErrorFrom(err, `fsync ${dir}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

export async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw storeErrorFrom(err, `lstat ${path}`);
  }
}

export async function readdirOrEmpty(dir: string) {
  try {
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
}

export async function subdirs(dir: string): Promise<string[]> {
  return (await readdirOrEmpty(dir)).filter((e) => e.isDirectory()).map((e) => e.name);
}
