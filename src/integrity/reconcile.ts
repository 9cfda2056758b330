// Pure: replays the audit log and compares it with custody as it stands. The audit chain is
// anchored by signed checkpoints; the tables are not, so a row changed, re-pointed or deleted
// behind custody's back (triggers dropped, SQL run by hand) shows up here as a named difference.
//   recording.commit     {recordingId, deviceSerial, <COMMITTED_FIELDS>}: what the row was when committed
//   recording.update     {recordingId, set: {field: value}}: an audited change after the commit
//   recording.tombstone  {recordingId, ...}: the recording left custody through retention
import type { AuditEntry, RecordingRow } from '../custody/index.js';

interface Expected { seq: number; fields: Record<string, unknown>; changedAt: number[]; tombstoneSeq: number | null }

export interface ReconcileInput {
  entries: Iterable<Pick<AuditEntry, 'seq' | 'event' | 'payload'>>;
  recordings: readonly RecordingRow[];
  /** sha256 → size of each object row */
  objects: ReadonlyMap<string, number>;
  /** whether the store holds a file for this object */
  storeHas: (sha256: string) => boolean;
}

export interface ReconcileReport { ok: boolean; committed: number; live: number; tombstoned: number; problems: string[] }

const show = (v: unknown) => (v === undefined ? 'absent' : JSON.stringify(v));

function liveValue(row: RecordingRow, field: string): unknown {
  return field === 'deviceSerial' ? row.device : (row as unknown as Record<string, unknown>)[field];
}

export function reconcile(input: ReconcileInput): ReconcileReport {
  const expected = new Map<number, Expected>();
  const problems: string[] = [];
  for (const e of input.entries) {
    const p = e.payload as Record<string, unknown> | null;
    const id = typeof p?.recordingId === 'number' ? p.recordingId : undefined;
    if (id === undefined || !e.event.startsWith('recording.')) continue;
    const cur = expected.get(id);
    if (e.event === 'recording.commit') {
      if (cur) { problems.push(`recording ${id}: committed twice (seq ${cur.seq} and ${e.seq})`); continue; }
      const { recordingId: _id, sessionId: _s, ...fields } = p!;
      expected.set(id, { seq: e.seq, fields, changedAt: [], tombstoneSeq: null });
    } else if (e.event === 'recording.update') {
      if (!cur) { problems.push(`recording ${id}: changed at seq ${e.seq} but never committed`); continue; }
      Object.assign(cur.fields, (p!.set ?? {}) as Record<string, unknown>);
      cur.changedAt.push(e.seq);
    } else if (e.event === 'recording.tombstone') {
      if (!cur) { problems.push(`recording ${id}: tombstone at seq ${e.seq} but never committed`); continue; }
      cur.tombstoneSeq = e.seq;
    }
  }

  const live = new Map(input.recordings.map((r) => [r.id, r]));
  let tombstoned = 0;
  for (const [id, exp] of expected) {
    const row = live.get(id);
    const where = `committed at seq ${exp.seq}${exp.changedAt.length ? `, changed at seq ${exp.changedAt.join(', ')}` : ''}`;
    if (exp.tombstoneSeq !== null) {
      tombstoned++;
      if (row) problems.push(`recording ${id}: tombstone at seq ${exp.tombstoneSeq}, still present`);
      continue;
    }
    if (!row) { problems.push(`recording ${id}: ${where}, missing`); continue; }
    for (const [field, want] of Object.entries(exp.fields)) {
      const have = liveValue(row, field);
      if (JSON.stringify(have) !== JSON.stringify(want)) problems.push(`recording ${id}: ${field} is ${show(have)}, the audit log says ${show(want)} (${where})`);
    }
  }
  for (const row of input.recordings) {
    if (!expected.has(row.id)) problems.push(`recording ${row.id}: present but never committed (no recording.commit entry)`);
    const size = input.objects.get(row.sha256);
    if (size === undefined) problems.push(`recording ${row.id}: object ${row.sha256} has no object row`);
    else if (size !== row.size) problems.push(`recording ${row.id}: object ${row.sha256} is recorded with size ${size}, the recording says ${row.size}`);
    if (!input.storeHas(row.sha256)) problems.push(`recording ${row.id}: object ${row.sha256} is missing from the store`);
  }
  return { ok: problems.length === 0, committed: expected.size, live: input.recordings.length, tombstoned, problems };
}
