// Process identity from /proc: a pid alone is reused by the kernel; a pid plus its start time
// (field 22 of /proc/PID/stat, in clock ticks since boot) names one process for the whole boot.
import fs from 'node:fs';

/** Pure: the starttime field of a /proc/PID/stat line. The comm field may hold spaces and ')'. */
export function parseStatStartTime(stat: string): string | undefined {
  const close = stat.lastIndexOf(')');
  if (close < 0) return undefined;
  // Fields after comm start at field 3 (state); starttime is field 22 → index 19 here.
  const rest = stat.slice(close + 1).trim().split(/\s+/);
  const v = rest[19];
  return v !== undefined && /^\d+$/.test(v) ? v : undefined;
}

/** The start time of a live process, or undefined when it does not exist (or /proc is absent). */
export function processStartTime(pid: number): string | undefined {
  if (!Number.isSafeInteger(pid) || pid <= 0) return undefined;
  try {
    return parseStatStartTime(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/** True while the process that had `pid` and `start` still runs (start unknown: the pid alone decides). */
export function sameProcessAlive(pid: number, start: string | null | undefined): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  if (!start) return true;
  const now = processStartTime(pid);
  // No /proc (not Linux): nothing better than the pid.
  if (now === undefined) return !fs.existsSync('/proc/self/stat');
  return now === start;
}
