// <dataDir>/run/daemon.json: what the running daemon is doing, for `evidock status`.
// Written atomically (temp + rename) so a reader never sees half a file.
import fs from 'node:fs';
import path from 'node:path';

export interface DaemonState {
  pid: number;
  startedAt: string;
  updatedAt: string;
  roots: string[];
  docked: { root: string; device?: string; since: string }[];
  ingesting: { root: string; device?: string; session?: number; file?: string; index?: number; total?: number }[];
  completed: number;
}

export function statePath(dataDir: string): string { return path.join(dataDir, 'run', 'daemon.json'); }

export function writeState(dataDir: string, s: DaemonState): void {
  const file = statePath(dataDir);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify({ ...s, updatedAt: new Date().toISOString() }, null, 2));
  fs.renameSync(tmp, file);
}

/** The state of a live daemon, or undefined when none runs (a stale file is ignored). */
export function readState(dataDir: string): DaemonState | undefined {
  try {
    const s = JSON.parse(fs.readFileSync(statePath(dataDir), 'utf8')) as DaemonState;
    process.kill(s.pid, 0);
    return s;
  } catch {
    return undefined;
  }
}

export function clearState(dataDir: string): void {
  fs.rmSync(statePath(dataDir), { force: true });
}
