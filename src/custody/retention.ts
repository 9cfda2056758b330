// Retention in custody: classification rows, the facts the retention plan is computed from, the
// grace period, and the purge — the only path that deletes a recording (invariant 5). A purge
// writes the audit entry and the tombstone, then opens the purge_authorisation door for exactly
// this recording (and its object row when no live recording or case document still names it),
// deletes, and closes the door, all in one transaction.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import { activeHoldsByRecording, casesByRecording, type CaseRow } from './cases.js';

export interface ClassRow { recordingId: number; category: string; importance: number; keepUntil: string | null; setAt: string; setBy: string }
export interface GraceRow { recordingId: number; gracedAt: string; purgeAfter: string; rule: string; keepUntil: string }
export interface TombstoneRow {
  recordingId: number; sha256: string; size: number; deviceSerial: string; badge: string | null; sourcePath: string;
  recordedStart: string; category: string; rule: string; keepUntil: string; purgedAt: string; actor: string; auditSeq: number; objectRemoved: boolean;
}

export class RetentionStateError extends Error {
  readonly exitCode = 2;
}

const CLASS_COLS = 'recording_id AS recordingId, category, importance, keep_until AS keepUntil, set_at AS setAt, set_by AS setBy';

export function getClass(ctx: Ctx, id: number): ClassRow | undefined {
  return stmt(ctx.db, `SELECT ${CLASS_COLS} FROM retention_class WHERE recording_id = ?`).get(id) as ClassRow | undefined;
}

export interface ClassChange { category: string; importance: number; keepUntil: string | null; caseNo?: string | undefined }

/** Writes a classification (the caller has already refused any shortening) and audits from → to. */
export function setClass(ctx: Ctx, id: number, next: ClassChange, from: { category: string; importance: number; keepUntil: string | null; effectiveKeepUntil: string | null }, nextEffective: string | null): void {
  writeTx(ctx, () => {
    if (!stmt(ctx.db, 'SELECT 1 FROM recordings WHERE id = ?').get(id)) throw new RetentionStateError(`no recording ${id}`);
    stmt(ctx.db, `INSERT INTO retention_class (recording_id, category, importance, keep_until, set_at, set_by) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (recording_id) DO UPDATE SET category = excluded.category, importance = excluded.importance,
        keep_until = excluded.keep_until, set_at = excluded.set_at, set_by = excluded.set_by`)
      .run(id, next.category, next.importance, next.keepUntil, ctx.now(), ctx.actor);
    // A recording waiting in the grace period that is now kept longer leaves it.
    const g = stmt(ctx.db, 'SELECT keep_until AS k FROM retention_grace WHERE recording_id = ?').get(id) as { k: string } | undefined;
    const graced = g !== undefined && (nextEffective === null || Date.parse(nextEffective) > Date.parse(g.k))
      ? stmt(ctx.db, 'DELETE FROM retention_grace WHERE recording_id = ?').run(id).changes : 0;
    audit(ctx, 'recording.classified', {
      recordingId: id, from: { category: from.category, importance: from.importance, until: from.keepUntil, keepUntil: from.effectiveKeepUntil },
      to: { category: next.category, importance: next.importance, until: next.keepUntil, keepUntil: nextEffective },
      caseNo: next.caseNo ?? null, leftGrace: graced > 0,
    });
  });
}

/**
 * Gives every recording nobody classified the configured default category, so a later change of
 * the default in the YAML applies to new recordings only and never shortens an existing one.
 */
export function assignDefaultCategory(ctx: Ctx, category: string): number[] {
  return writeTx(ctx, () => {
    const ids = (stmt(ctx.db, 'SELECT id FROM recordings WHERE id NOT IN (SELECT recording_id FROM retention_class) ORDER BY id').all() as { id: number }[]).map((r) => r.id);
    if (ids.length === 0) return ids;
    const ins = stmt(ctx.db, 'INSERT INTO retention_class (recording_id, category, importance, keep_until, set_at, set_by) VALUES (?, ?, 0, NULL, ?, ?)');
    for (const id of ids) ins.run(id, category, ctx.now(), ctx.actor);
    audit(ctx, 'recording.classified.default', { category, recordingIds: ids });
    return ids;
  });
}

/** Everything the retention plan needs about one live recording. */
export interface RetentionFacts {
  id: number; sha256: string; size: number; recordedAt: string; ingestedAt: string;
  deviceSerial: string; badge: string | null; sourcePath: string; recordedStart: string;
  cls: ClassRow | undefined; cases: CaseRow[]; holds: { id: number; reason: string }[];
  /** Other live recordings (and case documents) that name the same object. */
  sharedWith: number[]; documentsShare: boolean;
  discs: { label: string; verified: boolean }[];
  grace: GraceRow | undefined;
}

interface RawFacts { id: number; sha256: string; size: number; recorded_start: string; corrected_start: string | null; ingested_at: string; device_serial: string; badge: string | null; source_path: string }

/** One consistent snapshot of the facts for every live recording (or the ids given). */
export function retentionFacts(ctx: Ctx, ids?: number[]): RetentionFacts[] {
  return ctx.db.transaction(() => {
    const cases = casesByRecording(ctx);
    const holds = activeHoldsByRecording(ctx);
    const classes = new Map((stmt(ctx.db, `SELECT ${CLASS_COLS} FROM retention_class`).all() as ClassRow[]).map((c) => [c.recordingId, c]));
    const graces = new Map((stmt(ctx.db, `SELECT recording_id AS recordingId, graced_at AS gracedAt, purge_after AS purgeAfter, rule, keep_until AS keepUntil
      FROM retention_grace`).all() as GraceRow[]).map((g) => [g.recordingId, g]));
    const discs = new Map<number, { label: string; verified: boolean }[]>();
    for (const d of stmt(ctx.db, 'SELECT i.recording_id AS rid, d.label, d.verified_at AS v FROM disc_items i JOIN discs d ON d.id = i.disc_id ORDER BY d.id')
      .all() as { rid: number; label: string; v: string | null }[]) {
      discs.set(d.rid, [...(discs.get(d.rid) ?? []), { label: d.label, verified: d.v !== null }]);
    }
    const bySha = new Map<string, number[]>();
    const rows = stmt(ctx.db, 'SELECT id, sha256, size, recorded_start, corrected_start, ingested_at, device_serial, badge, source_path FROM recordings ORDER BY id')
      .all() as RawFacts[];
    for (const r of rows) bySha.set(r.sha256, [...(bySha.get(r.sha256) ?? []), r.id]);
    const docShas = new Set((stmt(ctx.db, 'SELECT DISTINCT sha256 FROM case_documents').all() as { sha256: string }[]).map((r) => r.sha256));
    const want = ids ? new Set(ids) : undefined;
    return rows.filter((r) => !want || want.has(r.id)).map((r) => ({
      id: r.id, sha256: r.sha256, size: r.size, recordedAt: r.corrected_start ?? r.recorded_start, ingestedAt: r.ingested_at,
      deviceSerial: r.device_serial, badge: r.badge, sourcePath: r.source_path, recordedStart: r.recorded_start,
      cls: classes.get(r.id), cases: cases.get(r.id) ?? [], holds: holds.get(r.id) ?? [],
      sharedWith: (bySha.get(r.sha256) ?? []).filter((x) => x !== r.id), documentsShare: docShas.has(r.sha256),
      discs: discs.get(r.id) ?? [], grace: graces.get(r.id),
    }));
  }).deferred();
}

/** Returns false when it already was in the grace period (e.g. another process's run got there first). */
export function enterGrace(ctx: Ctx, id: number, purgeAfter: string, rule: string, keepUntil: string): boolean {
  return writeTx(ctx, () => {
    if (stmt(ctx.db, 'SELECT 1 FROM retention_grace WHERE recording_id = ?').get(id)) return false;
    stmt(ctx.db, 'INSERT INTO retention_grace (recording_id, graced_at, purge_after, rule, keep_until) VALUES (?, ?, ?, ?, ?)')
      .run(id, ctx.now(), purgeAfter, rule, keepUntil);
    audit(ctx, 'retention.graced', { recordingId: id, purgeAfter, rule, keepUntil });
    return true;
  });
}

/** Takes a recording out of the grace period (restore, or it is no longer due). Returns false if it was not in it. */
export function leaveGrace(ctx: Ctx, id: number, why: string, event = 'retention.restored'): boolean {
  return writeTx(ctx, () => {
    const n = stmt(ctx.db, 'DELETE FROM retention_grace WHERE recording_id = ?').run(id).changes;
    if (n) audit(ctx, event, { recordingId: id, reason: why });
    return n > 0;
  });
}

export interface PurgeInput { category: string; rule: string; keepUntil: string }
export interface PurgeResult { recordingId: number; sha256: string; size: number; objectRemoved: boolean }

/**
 * Replaces the recording row by a tombstone. The caller decided it is due and past its grace;
 * holds and grace are re-checked here inside the transaction so a hold added meanwhile wins.
 */
export function purgeRecording(ctx: Ctx, id: number, input: PurgeInput): PurgeResult {
  return writeTx(ctx, () => {
    const r = stmt(ctx.db, 'SELECT id, sha256, size, device_serial, badge, source_path, recorded_start FROM recordings WHERE id = ?')
      .get(id) as (Omit<RawFacts, 'corrected_start' | 'ingested_at'>) | undefined;
    if (!r) throw new RetentionStateError(`no recording ${id}`);
    if (activeHoldsByRecording(ctx).has(id)) throw new RetentionStateError(`recording ${id} is held`);
    const grace = stmt(ctx.db, 'SELECT purge_after AS p FROM retention_grace WHERE recording_id = ?').get(id) as { p: string } | undefined;
    if (!grace || Date.parse(grace.p) > Date.parse(ctx.now())) throw new RetentionStateError(`recording ${id} has not passed its grace period`);
    const others = (stmt(ctx.db, 'SELECT count(*) AS n FROM recordings WHERE sha256 = ? AND id <> ?').get(r.sha256, id) as { n: number }).n;
    const docs = (stmt(ctx.db, 'SELECT count(*) AS n FROM case_documents WHERE sha256 = ?').get(r.sha256) as { n: number }).n;
    const objectRemoved = others === 0 && docs === 0;
    const entry = audit(ctx, 'recording.purged', {
      recordingId: id, sha256: r.sha256, size: r.size, category: input.category, rule: input.rule, keepUntil: input.keepUntil,
      deviceSerial: r.device_serial, sourcePath: r.source_path, recordedStart: r.recorded_start, objectRemoved,
    });
    stmt(ctx.db, `INSERT INTO tombstones (recording_id, sha256, size, device_serial, badge, source_path, recorded_start, category, rule,
      keep_until, purged_at, actor, audit_seq, object_removed) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(
      id, r.sha256, r.size, r.device_serial, r.badge, r.source_path, r.recorded_start, input.category, input.rule,
      input.keepUntil, ctx.now(), ctx.actor, entry.seq, objectRemoved ? 1 : 0);
    stmt(ctx.db, 'INSERT INTO purge_authorisation (id, recording_id, sha256) VALUES (1, ?, ?)').run(id, objectRemoved ? r.sha256 : null);
    stmt(ctx.db, 'DELETE FROM retention_grace WHERE recording_id = ?').run(id);
    stmt(ctx.db, 'DELETE FROM retention_class WHERE recording_id = ?').run(id);
    stmt(ctx.db, 'DELETE FROM recordings WHERE id = ?').run(id);
    if (objectRemoved) stmt(ctx.db, 'DELETE FROM objects WHERE sha256 = ?').run(r.sha256);
    stmt(ctx.db, 'DELETE FROM purge_authorisation WHERE id = 1').run();
    return { recordingId: id, sha256: r.sha256, size: r.size, objectRemoved };
  });
}

/** Whether some row (a recording or a case document) names the object, e.g. re-ingested after a purge. */
export function objectNamed(ctx: Ctx, sha256: string): boolean {
  return stmt(ctx.db, 'SELECT 1 FROM objects WHERE sha256 = ?').get(sha256) !== undefined;
}

export function listTombstones(ctx: Ctx): TombstoneRow[] {
  return (stmt(ctx.db, `SELECT recording_id AS recordingId, sha256, size, device_serial AS deviceSerial, badge, source_path AS sourcePath,
    recorded_start AS recordedStart, category, rule, keep_until AS keepUntil, purged_at AS purgedAt, actor, audit_seq AS auditSeq,
    object_removed AS objectRemoved FROM tombstones ORDER BY recording_id`).all() as (Omit<TombstoneRow, 'objectRemoved'> & { objectRemoved: number })[])
    .map((t) => ({ ...t, objectRemoved: t.objectRemoved === 1 }));
}
