// Shared bits for the dock tests: fixture paths, privilege checks, camera images made with real mkfs.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
export const fixture = (rel: string) => readFileSync(path.join(FIXTURES, rel), 'utf8');

export function hasTool(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

/** Why root-only tests can't run here, or undefined when they can. */
export function privilegedSkipReason(tools: string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'not root (needs losetup and FUSE mounts)';
  if (!existsSync('/dev/fuse')) return 'no /dev/fuse';
  const missing = tools.filter((t) => !hasTool(t));
  return missing.length ? `missing tools: ${missing.join(', ')}` : undefined;
}

export function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.stdout || r.error?.message}`);
  return r.stdout;
}

export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A FAT32 camera image holding `files` (relative path → content), filled with mtools. */
export function makeFat32Image(img: string, label: string, files: Record<string, string>, sizeMiB = 64): void {
  writeFileSync(img, '');
  sh('truncate', ['-s', `${sizeMiB}M`, img]);
  sh('mkfs.vfat', ['-F', '32', '-n', label, img]);
  const staging = mkdtempSync(path.join(os.tmpdir(), 'evidock-fatsrc-'));
  try {
    for (const [rel, content] of Object.entries(files)) {
      const dirs = path.dirname(rel).split('/').filter((d) => d !== '.');
      for (let i = 1; i <= dirs.length; i++) {
        const d = dirs.slice(0, i).join('/');
        spawnSync('mmd', ['-i', img, `::/${d}`]); // exists already → harmless failure
      }
      const src = path.join(staging, 'f');
      writeFileSync(src, content);
      sh('mcopy', ['-i', img, src, `::/${rel}`]);
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
