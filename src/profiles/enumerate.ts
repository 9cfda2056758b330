// Lists a camera volume's evidence files by the profile's globs, without following links.
// Anything that matches but is not a plain file is reported, never silently dropped.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';

export interface VolumeFile { rel: string; abs: string; size: number; mtimeMs: number }
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
  return globs.some((g) => path.posix.matchesGlob(lower, g.toLowerCase()));
}

function kindOf(st: import('node:fs').Stats): string | undefined {
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'device-file';
  if (st.isSocket()) return 'socket';
  return undefined;
}

export async function enumerateVolume(root: string, profile: Profile): Promise<VolumeListing> {
  const files: VolumeFile[] = [];
  const problems: VolumeProblem[] = [];
  const seen = new Set<string>();
  const bases = [...new Set(profile.files.map(globBase))];

  async function walk(relDir: string): Promise<void> {
    let entries: import('node:fs').Dirent[];
    try {
      entries = await fs.readdir(path.join(root, relDir), { withFileTypes: true });
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT' && relDir !== '') return;
      if (e.code === 'ENOENT' || e.code === 'ENOTDIR') return;
      problems.push({ rel: relDir || '.', code: 'unreadable-dir', message: `cannot list ${relDir || '.'}: ${e.code ?? e.message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const ent of entries) {
      const rel = relDir ? `${relDir}/${ent.name}` : ent.name;
      if (seen.has(rel)) continue;
      seen.add(rel);
      const abs = path.join(root, rel);
      let st: import('node:fs').Stats;
      try {
        st = await fs.lstat(abs);
      } catch (err) {
        problems.push({ rel, code: 'vanished', message: `${rel}: disappeared while listing (${(err as NodeJS.ErrnoException).code})` });
        continue;
      }
      if (st.isDirectory()) { await walk(rel); continue; }
      const matched = matchesAny(rel, profile.files);
      const special = kindOf(st);
      if (special) {
        // Inside the evidence folders every odd entry is reported, matched or not.
        problems.push({ rel, code: special, message: `${rel}: is a ${special}, not a regular file; not ingested` });
        continue;
      }
      if (!matched) continue;
      if (ent.name.includes('..')) {
        problems.push({ rel, code: 'bad-name', message: `${rel}: file name contains ".."; not ingested` });
        continue;
      }
      files.push({ rel, abs, size: st.size, mtimeMs: st.mtimeMs });
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
    await walk(base);
  }
  return { files, problems };
}
