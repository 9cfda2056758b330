// Identity taken on evidence, not on trust: what the camera says about itself is checked
// (identity-invalid), and a serial that is docked twice at once, or comes back with files that
// contradict what custody recorded under the same paths, is flagged (identity-conflict).
import type { Custody } from '../custody/index.js';
import type { AlertSeverity } from '../custody/index.js';
import type { VolumeFile } from '../profiles/enumerate.js';
import { escapeControl } from '../util/escape.js';

export interface IdentityAlert { kind: 'identity-invalid' | 'identity-conflict'; severity: AlertSeverity; message: string }

/** Other running sessions of this serial (another dock of "the same" camera right now). */
export function twiceDocked(custody: Custody, serial: string, session: number, root: string): IdentityAlert[] {
  const others = custody.listSessions({ running: true }).filter((s) => s.deviceSerial === serial && s.id !== session);
  if (others.length === 0) return [];
  return [{ kind: 'identity-conflict', severity: 'critical', message: `camera ${escapeControl(serial)} is docked twice at once: `
    + `${escapeControl(root)} and ${others.map((o) => `${escapeControl(o.sourcePath)} (session ${o.id})`).join(', ')}; `
    + 'two volumes claim one identity' }];
}

/** Files at paths custody recorded for this serial, but with another size or time: not the content recorded there. */
export function conflictingPaths(custody: Custody, serial: string, files: readonly VolumeFile[]): IdentityAlert[] {
  const conflicts: string[] = [];
  let count = 0;
  for (const f of files) {
    const rows = custody.findRecording(serial, f.rel);
    if (rows.length === 0 || rows.some((r) => r.size === f.size && r.mtimeMs === Math.trunc(f.mtimeMs))) continue;
    count += 1;
    const r = rows.at(-1)!;
    if (conflicts.length < 5) {
      conflicts.push(`${escapeControl(f.rel)} (recorded ${r.size} B at ${new Date(r.mtimeMs).toISOString()}, `
        + `now ${f.size} B at ${new Date(f.mtimeMs).toISOString()})`);
    }
  }
  if (count === 0) return [];
  return [{ kind: 'identity-conflict', severity: 'warning', message: `camera ${escapeControl(serial)} docked with ${count} file(s) whose `
    + `path custody recorded before with other content: ${conflicts.join('; ')}${count > conflicts.length ? '; …' : ''}; `
    + 'another camera claiming this serial, or one whose numbering restarted: the files are copied and kept apart by content' }];
}
