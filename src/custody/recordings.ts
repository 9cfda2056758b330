// Recordings and the stored objects they point at. commitRecording is the moment a file
// counts as safely in custody (ARCHITECTURE §2 invariant 1): object row, recording row and audit
// entry land in one transaction or not at all.
import { stmt, toIso } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import { requireDeviceId } from './devices.js';
import { CORRECTION_EVENT } from './migrations.js';
import type { CommitRecordingInput, CommitResult, ObjectRow, RecordingFilter, RecordingRow, TimeInput } from './types.js';

const SHA256 = /^[0-9a-f]{64}$/;
const START_SOURCES = new Set(['filename', 'creation_time', 'mtime']);
const MEDIA_KINDS = new Set(['video', 'photo', 'audio', 'other']);

interface RawRecording {
  id: number;
  session_id: number | null;
  device_serial: string;
  badge: string | null;
  source_path: string;
  size: number;
  mtime_ms: number;
  sha256: string;
  recorded_start: string;
  recorded_end: string | null;
  duration_s: number | null;
  start_source: RecordingRow['startSource'];
  media_kind: RecordingRow['mediaKind'];
  ingested_at: string;
  clock_offset_s: number | null;
  corrected_start: string | null;
  corrected_end: string | null;
}

function toRecording(r: RawRecording): RecordingRow {
  return {
    id: r.id, sha256: r.sha256, size: r.size, device: r.device_serial, badge: r.badge, sourcePath: r.source_path,
    recordedStart: r.recorded_start, recordedEnd: r.recorded_end, ingestedAt: r.ingested_at, durationS: r.duration_s,
    sessionId: r.session_id, mediaKind: r.media_kind, startSource: r.start_source, mtimeMs: r.mtime_ms,
    clockOffsetS: r.clock_offset_s, correctedStart: r.corrected_start, correctedEnd: r.corrected_end,
  };
}

function validate(input: CommitRecordingInput): void {
  if (!SHA256.test(input.sha256)) throw new Error(`custody: sha256 must be 64 lowercase hex digits, got ${input.sha256}`);
  if (!Number.isSafeInteger(input.size) || input.size < 0) throw new Error(`custody: invalid size ${input.size}`);
  if (!Number.isFinite(input.mtimeMs)) throw new Error(`custody: invalid mtimeMs ${input.mtimeMs}`);
  if (!input.sourcePath) throw new Error('custody: sourcePath is required');
  if (!START_SOURCES.has(input.startSource)) throw new Error(`custody: invalid startSource ${String(input.startSource)}`);
  if (!MEDIA_KINDS.has(input.mediaKind)) throw new Error(`custody: invalid mediaKind ${String(input.mediaKind)}`);
  if (input.clockOffsetS != null && !Number.isFinite(input.clockOffsetS)) throw new Error(`custody: invalid clockOffsetS ${input.clockOffsetS}`);
}

/** Pure: a camera time corrected by the camera's offset (camera − workstation) to workstation time. */
export function correctedTime(iso: string | null, offsetS: number | null | undefined): string | null {
  if (iso === null || offsetS == null) return null;
  return new Date(Date.parse(iso) - Math.round(offsetS * 1000)).toISOString();
}

export function commitRecording(ctx: Ctx, input: CommitRecordingInput): CommitResult {
  return writeTx(ctx, () => commitRecordingInTx(ctx, input));
}

/** A group commit: every recording in one transaction (no savepoint each; one failing fails them all). */
export function commitRecordings(ctx: Ctx, inputs: readonly CommitRecordingInput[]): CommitResult[] {
  return writeTx(ctx, () => inputs.map((i) => commitRecordingInTx(ctx, i)));
}

function commitRecordingInTx(ctx: Ctx, input: CommitRecordingInput): CommitResult {
  validate(input);
  const recordedStart = toIso(input.recordedStart);
  const recordedEnd = input.recordedEnd == null ? null : toIso(input.recordedEnd);
  const mtimeMs = Math.trunc(input.mtimeMs);
  const offset = input.clockOffsetS ?? null;
  {
    const existing = stmt(ctx.db, 'SELECT id FROM recordings WHERE device_serial = ? AND source_path = ? AND sha256 = ?')
      .get(input.deviceSerial, input.sourcePath, input.sha256) as { id: number } | undefined;
    if (existing) return { recordingId: existing.id, duplicate: true, objectIsNew: false };
    const deviceId = requireDeviceId(ctx, input.deviceSerial);
    const now = ctx.now();
    const obj = stmt(ctx.db, 'SELECT size FROM objects WHERE sha256 = ?').get(input.sha256) as { size: number } | undefined;
    if (obj && obj.size !== input.size) {
      throw new Error(`custody: object ${input.sha256} is recorded with size ${obj.size}, not ${input.size}`);
    }
    if (!obj) stmt(ctx.db, 'INSERT INTO objects (sha256, size, stored_at) VALUES (?, ?, ?)').run(input.sha256, input.size, now);
    const info = stmt(ctx.db, `
      INSERT INTO recordings (session_id, device_id, device_serial, badge, source_path, size, mtime_ms, sha256,
        recorded_start, recorded_end, duration_s, start_source, media_kind, ingested_at,
        clock_offset_s, corrected_start, corrected_end, source_path_raw, fingerprint)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      input.sessionId, deviceId, input.deviceSerial, input.badge ?? null, input.sourcePath, input.size, mtimeMs, input.sha256,
      recordedStart, recordedEnd, input.durationS ?? null, input.startSource, input.mediaKind,
      input.ingestedAt === undefined ? now : toIso(input.ingestedAt),
      offset, correctedTime(recordedStart, offset), correctedTime(recordedEnd, offset),
      input.sourcePathRaw ?? null, input.fingerprint ?? null);
    const recordingId = Number(info.lastInsertRowid);
    // The entry carries every column of the row as committed, so verify can replay the log
    // and name any later change made behind custody's back (src/integrity/reconcile.ts).
    const row = getRecording(ctx, recordingId);
    if (!row) throw new Error(`custody: recording ${recordingId} vanished after insert`);
    audit(ctx, 'recording.commit', {
      ...committedFields(row), recordingId, deviceSerial: input.deviceSerial, sessionId: input.sessionId,
      ...(input.sourcePathRaw ? { sourcePathRawHex: input.sourcePathRaw.toString('hex') } : {}),
    });
    return { recordingId, duplicate: false, objectIsNew: !obj };
  }
}

/** What a recording.commit entry records of the row (RecordingRow names; deviceSerial as `deviceSerial`). */
export const COMMITTED_FIELDS = [
  'sha256', 'size', 'sourcePath', 'badge', 'recordedStart', 'recordedEnd', 'durationS', 'mediaKind', 'startSource',
  'mtimeMs', 'ingestedAt', 'clockOffsetS', 'correctedStart', 'correctedEnd',
] as const satisfies readonly (keyof RecordingRow)[];

function committedFields(row: RecordingRow): Record<string, unknown> {
  return Object.fromEntries(COMMITTED_FIELDS.map((k) => [k, row[k]]));
}

/** Columns that may change after the commit, always through updateRecording (audited), never by hand. */
const MUTABLE: Record<string, string> = {
  badge: 'badge', recordedEnd: 'recorded_end', durationS: 'duration_s', mediaKind: 'media_kind',
  clockOffsetS: 'clock_offset_s', correctedStart: 'corrected_start', correctedEnd: 'corrected_end',
};
export type RecordingUpdate = Partial<Pick<RecordingRow, 'badge' | 'recordedEnd' | 'durationS' | 'mediaKind' | 'clockOffsetS' | 'correctedStart' | 'correctedEnd'>>;

/** Changes a recording's mutable fields and audits recording.update {recordingId, set, reason}, which verify replays. */
export function updateRecording(ctx: Ctx, id: number, set: RecordingUpdate, reason: string): RecordingRow {
  const keys = Object.keys(set).filter((k) => set[k as keyof RecordingUpdate] !== undefined);
  for (const k of keys) if (!(k in MUTABLE)) throw new Error(`custody: recording field ${k} cannot change`);
  if (keys.length === 0) throw new Error('custody: updateRecording needs at least one field');
  if (!reason) throw new Error('custody: updateRecording needs a reason');
  return writeTx(ctx, () => {
    const values = keys.map((k) => set[k as keyof RecordingUpdate] ?? null);
    const info = ctx.db.prepare(`UPDATE recordings SET ${keys.map((k) => `${MUTABLE[k]} = ?`).join(', ')} WHERE id = ?`).run(...values, id);
    if (info.changes !== 1) throw new Error(`custody: no recording ${id}`);
    const row = getRecording(ctx, id)!;
    audit(ctx, 'recording.update', { recordingId: id, set: Object.fromEntries(keys.map((k) => [k, row[k as keyof RecordingRow]])), reason });
    return row;
  });
}

export function getRecording(ctx: Ctx, id: number): RecordingRow | undefined {
  const r = stmt(ctx.db, 'SELECT * FROM recordings WHERE id = ?').get(id) as RawRecording | undefined;
  return r ? toRecording(r) : undefined;
}

export function findRecording(ctx: Ctx, deviceSerial: string, sourcePath: string): RecordingRow[] {
  return (stmt(ctx.db, 'SELECT * FROM recordings WHERE device_serial = ? AND source_path = ? ORDER BY id')
    .all(deviceSerial, sourcePath) as RawRecording[]).map(toRecording);
}

/** Cheap pre-check before hashing: the same file (path, size, mtime) is already in custody. */
export function hasRecording(ctx: Ctx, deviceSerial: string, sourcePath: string, size: number, mtimeMs: number): boolean {
  return stmt(ctx.db, 'SELECT 1 FROM recordings WHERE device_serial = ? AND source_path = ? AND size = ? AND mtime_ms = ? LIMIT 1')
    .get(deviceSerial, sourcePath, size, Math.trunc(mtimeMs)) !== undefined;
}

/**
 * The fingerprints recorded for this device's file at this path with this size and mtime: the
 * resume shortcut may skip the file only when the camera file's fingerprint is among them. The
 * device is compared by its row (never another camera's file), rows without one give nothing.
 */
export function resumeFingerprints(ctx: Ctx, deviceSerial: string, sourcePath: string, size: number, mtimeMs: number): string[] {
  return (stmt(ctx.db, `SELECT r.fingerprint AS fp FROM recordings r JOIN devices d ON d.id = r.device_id
    WHERE d.serial = ? AND r.source_path = ? AND r.size = ? AND r.mtime_ms = ? AND r.fingerprint IS NOT NULL`)
    .all(deviceSerial, sourcePath, size, Math.trunc(mtimeMs)) as { fp: string }[]).map((r) => r.fp);
}

export function getObject(ctx: Ctx, sha256: string): ObjectRow | undefined {
  return stmt(ctx.db, 'SELECT sha256, size, stored_at AS storedAt, verified_at AS verifiedAt FROM objects WHERE sha256 = ?')
    .get(sha256) as ObjectRow | undefined;
}

/** Whether custody already has a row for this object (an object file without one is an orphan). */
export function hasObject(ctx: Ctx, sha256: string): boolean {
  return stmt(ctx.db, 'SELECT 1 FROM objects WHERE sha256 = ?').get(sha256) !== undefined;
}

/** Objects still waiting for their disk proof, oldest first. */
export function unprovedObjects(ctx: Ctx, limit: number): { sha256: string; size: number }[] {
  return stmt(ctx.db, 'SELECT sha256, size FROM objects WHERE verified_at IS NULL ORDER BY stored_at, sha256 LIMIT ?')
    .all(limit) as { sha256: string; size: number }[];
}

/** The verification backlog: objects (and bytes) not yet proven from the disk. */
export function proofBacklog(ctx: Ctx): { objects: number; bytes: number } {
  const r = stmt(ctx.db, 'SELECT count(*) AS n, coalesce(sum(size), 0) AS b FROM objects WHERE verified_at IS NULL').get() as { n: number; b: number };
  return { objects: Number(r.n), bytes: Number(r.b) };
}

/** Per session: recordings whose object is not yet proven from the disk (0: the session is verified). */
export function sessionUnproved(ctx: Ctx, sessionId: number): number {
  return Number((stmt(ctx.db, `SELECT count(*) AS n FROM recordings r JOIN objects o ON o.sha256 = r.sha256
    WHERE r.session_id = ? AND o.verified_at IS NULL`).get(sessionId) as { n: number }).n);
}

/**
 * Disk proof of a batch of objects: each re-read from the medium matched. Sets verified_at and
 * appends one audit entry naming the batch; failures are named in the same entry.
 */
export function recordDiskProof(ctx: Ctx, ok: string[], failed: { sha256: string; reason: string }[], at: TimeInput): number {
  const when = toIso(at);
  return writeTx(ctx, () => {
    let n = 0;
    const upd = stmt(ctx.db, 'UPDATE objects SET verified_at = ? WHERE sha256 = ?');
    for (const h of ok) n += upd.run(when, h).changes;
    audit(ctx, 'objects.disk-proof', { proved: ok, failed });
    return n;
  });
}

/** Ordered by recordedStart ascending; since is inclusive, until exclusive. */
export function listRecordings(ctx: Ctx, filter: RecordingFilter = {}): RecordingRow[] {
  const since = filter.since === undefined ? null : toIso(filter.since);
  const until = filter.until === undefined ? null : toIso(filter.until);
  return (stmt(ctx.db, `
    SELECT * FROM recordings
    WHERE (@device IS NULL OR device_serial = @device) AND (@badge IS NULL OR badge = @badge)
      AND (@since IS NULL OR recorded_start >= @since) AND (@until IS NULL OR recorded_start < @until)
    ORDER BY recorded_start, id LIMIT @limit`)
    .all({ device: filter.device ?? null, badge: filter.badge ?? null, since, until, limit: filter.limit ?? -1 }) as RawRecording[])
    .map(toRecording);
}

/** Least recently verified first (never verified before all), so a sampled fixity scrub rotates through the store. */
export function listObjects(ctx: Ctx): ObjectRow[] {
  return (stmt(ctx.db, `SELECT sha256, size, stored_at AS storedAt, verified_at AS verifiedAt FROM objects
    ORDER BY verified_at IS NOT NULL, verified_at, sha256`).all() as ObjectRow[]);
}

/**
 * Notes a successful fixity check (re-read from disk and matched): one `object.verified` audit
 * entry names every object marked, in the same transaction. Returns how many objects were updated.
 */
export function markVerified(ctx: Ctx, sha256s: Iterable<string>, at: TimeInput, how?: string): number {
  const when = toIso(at);
  const hashes = [...new Set(sha256s)];
  if (hashes.length === 0) return 0;
  return writeTx(ctx, () => {
    const upd = stmt(ctx.db, 'UPDATE objects SET verified_at = ? WHERE sha256 = ?');
    const marked = hashes.filter((h) => upd.run(when, h).changes === 1);
    if (marked.length > 0) audit(ctx, 'object.verified', { at: when, count: marked.length, sha256s: marked, ...(how ? { how } : {}) });
    return marked.length;
  });
}

/**
 * The one way a recording's clock correction changes after commit (e.g. an offset measured at a
 * later dock): the audit entry naming the old and new values is appended first, and the
 * recordings trigger (migration 4) admits the UPDATE only right behind that entry.
 */
export function correctRecordingTimes(ctx: Ctx, id: number, clockOffsetS: number | null, reason: string): RecordingRow {
  if (clockOffsetS !== null && !Number.isFinite(clockOffsetS)) throw new Error(`custody: invalid clockOffsetS ${clockOffsetS}`);
  if (!reason.trim()) throw new Error('custody: a clock correction needs a reason');
  return writeTx(ctx, () => {
    const cur = getRecording(ctx, id);
    if (!cur) throw new Error(`custody: no recording ${id}`);
    const correctedStart = correctedTime(cur.recordedStart, clockOffsetS);
    const correctedEnd = correctedTime(cur.recordedEnd, clockOffsetS);
    audit(ctx, CORRECTION_EVENT, {
      recordingId: id, reason, clockOffsetS, correctedStart, correctedEnd,
      before: { clockOffsetS: cur.clockOffsetS, correctedStart: cur.correctedStart, correctedEnd: cur.correctedEnd },
    });
    stmt(ctx.db, 'UPDATE recordings SET clock_offset_s = ?, corrected_start = ?, corrected_end = ? WHERE id = ?')
      .run(clockOffsetS, correctedStart, correctedEnd, id);
    const after = getRecording(ctx, id);
    if (!after) throw new Error(`custody: recording ${id} vanished`);
    return after;
  });
}
