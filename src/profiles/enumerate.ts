// Lists a camera volume's evidence files by the profile's globs, without following links.
// Anything that matches but is not a plain file is reported, never silently dropped.
// Names are read and opened as raw bytes (a GBK short name is not UTF-8): `rel` is the escaped
// form (src/util/raw-name.ts) for display and the database, `absRaw` the bytes to open.
// Dot-files and dot-directories are evidence like any other name (globs match them too).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';
import { escapeName, joinRaw } from '../util/raw-name.js';

export interface VolumeFile {
  /** Path under the root, escaped (valid UTF-8 names unchanged). */
  rel: string;
  /** The exact bytes of `rel` (relative path). */
  relRaw: Buffer;
  /** Display form of the absolute path. */
  abs: string;
  /** The exact bytes of the absolute path: open the file by this. */
  absRaw: Buffer;
  size: number;
  mtimeMs: number;
  /** st_dev of the volume, so a resume never matches a file on another device by path alone. */
  dev: number;
}
export interface VolumeProblem { rel: string; code: string; message: string }
export interface VolumeListing { files: VolumeFile[]; problems: VolumeProblem[] }

/** The fixed directory part of a glob ("DCIM/**\/*.MP4" → "DCIM"): where walking starts. */
export function globBase(glob: string): string {
  const parts = glob.split('/');
  const fixed: string[] = [];
  for (const p of parts.slice(0, -1)) {
    if (/[*?[\]{}]/.test(p)) break;
    fixed.push(p);
  }
  return fixed.join('/');
}

/** Case-insensitive match: FAT volumes and cameras are not consistent about case. */
export function matchesAny(rel: string, globs: string[]): boolean {
  const lower = rel.toLowerCase();
  // matchesGlob never lets * or ** match a leading dot: match the name with its leading dots
  // neutralised as well, so ".hidden.MP4" and "DCIM/.thumbs/x.MP4" are not skipped silently.
  const undotted = lower.split('/').map((seg) => seg.replace(/^\.+/, (d) => '_'.repeat(d.length))).join('/');
  return globs.some((g) => {
    const glob = g.toLowerCase();
    return path.posix.matchesGlob(lower, glob) || path.posix.matchesGlob(undotted, glob);
  });
}

function kindOf(st: import('node:fs').Stats): string | undefined {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device-file';
  if (st.isSocket()) return 'socket';
  return undefined;
}

const STAT_AT_ONCE = 64;

/** fn over items, at most `limit` at once; results in the items' order. */
async function mapBounded<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, run));
  return out;
}

export async function enumerateVolume(root: string, profile: Profile): Promise<VolumeListing> {
  const files: VolumeFile[] = [];
  const problems: VolumeProblem[] = [];
  const seen = new Set<string>();
  const bases = [...new Set(profile.files.map(globBase))];
  const rootRaw = Buffer.from(path.resolve(root), 'utf8');

  async function walk(relDirRaw: Buffer): Promise<void> {
    const relDir = escapeName(relDirRaw);
    let names: Buffer[];
    try {
      names = await fs.readdir(joinRaw(rootRaw, relDirRaw), { encoding: 'buffer' });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return;
      problems.push({ rel: relDir || '.', code: e.code === 'ENAMETOOLONG' ? 'name-too-long' : 'unreadable-dir',
        message: `cannot list ${relDir || '.'}: ${e.code ?? e.message}` });
      return;
    }
    names.sort(Buffer.compare);
    const entries: { name: Buffer; relRaw: Buffer; rel: string; absRaw: Buffer }[] = [];
    for (const name of names) {
      const relRaw = joinRaw(relDirRaw, name);
      const rel = escapeName(relRaw);
      if (seen.has(rel)) continue;
      seen.add(rel);
      entries.push({ name, relRaw, rel, absRaw: joinRaw(rootRaw, relRaw) });
    }
    // The lstats of a directory run STAT_AT_ONCE at a time: one after another, each waited for a
    // turn of a busy FUSE daemon and the thread pool, and the last of 16 cameras docked together
    // spent seconds listing 100 files. Results are used in name order, as before.
    const stats = await mapBounded(entries, STAT_AT_ONCE, (e) => fs.lstat(e.absRaw).then(
      (st) => ({ st, err: undefined }), (err: unknown) => ({ st: undefined, err })));
    for (const [i, { name, relRaw, rel, absRaw }] of entries.entries()) {
      const got = stats[i]!;
      let st: import('node:fs').Stats;
      try {
        if (!got.st) throw got.err;
        st = got.st;
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        problems.push(code === 'ENOENT'
          ? { rel, code: 'vanished', message: `${rel}: disappeared while listing (ENOENT)` }
          : code === 'ENAMETOOLONG'
            ? { rel, code: 'name-too-long', message: `${rel}: path too long to open (ENAMETOOLONG, ${absRaw.length} bytes); not ingested` }
            : { rel, code: 'unreadable', message: `${rel}: cannot stat (${code}); not ingested` });
        continue;
      }
      if (st.isDirectory()) { await walk(relRaw); continue; }
      const matched = matchesAny(rel, profile.files);
      const special = kindOf(st);
      if (special) {
        // Inside the evidence folders every odd entry is reported, matched or not.
        problems.push({ rel, code: special, message: `${rel}: is a ${special}, not a regular file; not ingested` });
        continue;
      }
      if (!matched) continue;
      if (name.includes('..')) {
        problems.push({ rel, code: 'bad-name', message: `${rel}: file name contains ".."; not ingested` });
        continue;
      }
      files.push({ rel, relRaw, abs: escapeName(absRaw), absRaw, size: st.size, mtimeMs: st.mtimeMs, dev: st.dev });
    }
  }

  for (const base of bases) {
    if (base.split('/').includes('..')) {
      problems.push({ rel: base, code: 'bad-name', message: `profile glob base "${base}" contains ".."` });
      continue;
    }
    if (base) {
      const st = await fs.lstat(path.join(root, base)).catch(() => undefined);
      if (!st) continue;
      const special = kindOf(st);
      if (special) { problems.push({ rel: base, code: special, message: `${base}: is a ${special}; not followed` }); continue; }
    }
    await walk(Buffer.from(base, 'utf8'));
  }
  return { files, problems };
}
