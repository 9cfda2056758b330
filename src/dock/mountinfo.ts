// Pure readers of /proc/self/mountinfo and /proc/filesystems, plus tiny file adapters.
import { readFile } from 'node:fs/promises';

export interface MountEntry {
  mountpoint: string;
  /** Per-mount options (ro, nosuid, …). */
  options: string[];
  fstype: string;
  source: string;
  superOptions: string[];
}

/** mountinfo escapes space, tab, newline and backslash as octal (`\040`). */
function unoctal(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const left = line.slice(0, sep).split(' ');
    const right = line.slice(sep + 3).split(' ');
    if (left.length < 6 || right.length < 3) continue;
    out.push({
      mountpoint: unoctal(left[4] ?? ''),
      options: (left[5] ?? '').split(','),
      fstype: right[0] ?? '',
      source: unoctal(right[1] ?? ''),
      superOptions: (right[2] ?? '').split(','),
    });
  }
  return out;
}

/** Names from /proc/filesystems (`nodev\tsysfs`, `\text4`). */
export function parseProcFilesystems(text: string): Set<string> {
  return new Set(text.split('\n').map((l) => l.split('\t').pop()?.trim() ?? '').filter(Boolean));
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'));
}

/** The last (topmost) mount at `dir`, if any. */
export async function mountAt(dir: string): Promise<MountEntry | undefined> {
  return (await readMounts()).filter((m) => m.mountpoint === dir).pop();
}

export async function kernelFilesystems(): Promise<Set<string>> {
  return parseProcFilesystems(await readFile('/proc/filesystems', 'utf8'));
}
