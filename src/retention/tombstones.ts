// Verify's view of purges (invariant 5): a purged recording is not "missing" — it has a tombstone
// and a `recording.purged` audit entry, and the two must agree; a tombstone without its entry, an
// entry without its tombstone, or a "purged" recording that is still live is an integrity problem.
export interface PurgeEntry { seq: number; payload: { recordingId?: unknown; sha256?: unknown } }
export interface Tombstone { recordingId: number; sha256: string; auditSeq: number }

export function tombstoneProblems(entries: PurgeEntry[], tombstones: Tombstone[], isLive: (id: number) => boolean): string[] {
  const problems: string[] = [];
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  const tombIds = new Set<number>();
  for (const t of tombstones) {
    tombIds.add(t.recordingId);
    const e = bySeq.get(t.auditSeq);
    if (!e) problems.push(`recording ${t.recordingId}: tombstone names audit seq ${t.auditSeq}, which is not a recording.purged entry`);
    else if (e.payload.recordingId !== t.recordingId || e.payload.sha256 !== t.sha256) {
      problems.push(`recording ${t.recordingId}: tombstone differs from its audit entry (seq ${t.auditSeq})`);
    }
    if (isLive(t.recordingId)) problems.push(`recording ${t.recordingId}: has a tombstone but is still live`);
  }
  for (const e of entries) {
    const id = e.payload.recordingId;
    if (typeof id !== 'number' || !tombIds.has(id)) problems.push(`recording ${String(id)}: purged at seq ${e.seq} but has no tombstone`);
  }
  return problems;
}
