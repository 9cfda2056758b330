// Pure rule: which source gives a recording's start (file name → media creation_time → mtime).
export type StartSource = 'filename' | 'creation_time' | 'mtime';

export interface TimeEvidence { fromName?: Date; creationTime?: Date; mtimeMs: number; durationS?: number }
export interface RecordedTimes { start: Date; end?: Date; source: StartSource }

export function recordedTimes(e: TimeEvidence): RecordedTimes {
  const valid = (d?: Date) => (d && !Number.isNaN(d.getTime()) ? d : undefined);
  const durMs = e.durationS !== undefined && Number.isFinite(e.durationS) && e.durationS >= 0
    ? Math.round(e.durationS * 1000) : undefined;
  const byName = valid(e.fromName) ?? undefined;
  const byMeta = valid(e.creationTime);
  if (byName || byMeta) {
    const start = (byName ?? byMeta) as Date;
    const source: StartSource = byName ? 'filename' : 'creation_time';
    return durMs === undefined ? { start, source } : { start, end: new Date(start.getTime() + durMs), source };
  }
  // A camera stamps mtime when it closes the file: that is the end of the recording.
  if (durMs === undefined) return { start: new Date(e.mtimeMs), source: 'mtime' };
  return { start: new Date(e.mtimeMs - durMs), end: new Date(e.mtimeMs), source: 'mtime' };
}
