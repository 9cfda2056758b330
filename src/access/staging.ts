// Private work directories for copies not yet released: an export's copies under
// <dataDir>/tmp/exports (the service's own area, not the --to directory), a view's copy in the
// system temp dir for the player. Each name carries the pid, so what a killed process left
// behind is removed by the next one instead of lingering as an unaudited copy.
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sweep(dir: string, prefix: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    const pid = Number(n.slice(prefix.length).split('-')[0]);
    if (Number.isSafeInteger(pid) && pid > 0 && pid !== process.pid && !alive(pid)) rmSync(path.join(dir, n), { recursive: true, force: true });
  }
}

/** A fresh private (0700) directory; stale ones of dead processes with the same prefix are removed first. */
export function stagingDir(kind: 'export' | 'view', dataDir: string): string {
  const parent = kind === 'export' ? path.join(dataDir, 'tmp', 'exports') : os.tmpdir();
  const prefix = kind === 'export' ? 'export-' : 'evidock-view-';
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  sweep(parent, prefix);
  return mkdtempSync(path.join(parent, `${prefix}${process.pid}-`));
}
