// Temp files live in <root>/tmp as <pid>-<random>.part. The pid lets a later run tell a temp
// left by a killed ingest (pid gone) from one being written right now (pid alive).
import { randomBytes } from 'node:crypto';
import { readdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { errnoOf } from './errors.js';

const TEMP_NAME = /^(\d+)-[0-9a-f]+\.part$/;

export function tempName(): string {
  return `${process.pid}-${randomBytes(8).toString('hex')}.part`;
}

/** True unless the kernel says no such process. EPERM (another user's process) counts as alive. */
export function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoOf(err) !== 'ESRCH';
  }
}

/**
 * Remove temps whose writer is dead; returns how many were removed. Names not ours are left alone.
 * A reused pid only keeps a stale temp a little longer — the safe direction.
 */
export function cleanStaleTempsIn(tmpDir: string): number {
  let names: string[];
  try {
    names = readdirSync(tmpDir);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return 0;
    throw err;
  }
  let removed = 0;
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(tmpDir, name));
      removed++;
    } catch (err) {
      if (errnoOf(err) !== 'ENOENT') throw err; // another cleaner got there first
    }
  }
  return removed;
}
