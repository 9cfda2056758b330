// Cases (art. 2): procedure stages with their recordings and written records, and holds.
// Every change is a custody event, so each is audited in the same transaction.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';

export interface CaseRow { no: string; title: string; openedAt: string; openedBy: string; closedAt: string | null; closedBy: string | null }
export interface CaseLinkRow { caseNo: string; recordingId: number; stage: string; linkedAt: string; linkedBy: string }
export interface CaseDocumentRow {
  id: number; caseNo: string; stage: string; title: string | null; fileName: string; sha256: string; size: number; addedAt: string; addedBy: string;
}
export interface HoldRow {
  id: number; reason: string; caseNo: string | null; recordingIds: number[]; createdAt: string; createdBy: string;
  releasedAt: string | null; releasedBy: string | null; releaseReason: string | null;
}

const CASE_COLS = 'no, title, opened_at AS openedAt, opened_by AS openedBy, closed_at AS closedAt, closed_by AS closedBy';

export class CaseError extends Error {
  readonly exitCode = 2;
}

export function getCase(ctx: Ctx, no: string): CaseRow | undefined {
  return stmt(ctx.db, `SELECT ${CASE_COLS} FROM cases WHERE no = ?`).get(no) as CaseRow | undefined;
}

function requireCase(ctx: Ctx, no: string): CaseRow {
  const c = getCase(ctx, no);
  if (!c) throw new CaseError(`no case ${no}`);
  return c;
}

export function listCases(ctx: Ctx): CaseRow[] {
  return stmt(ctx.db, `SELECT ${CASE_COLS} FROM cases ORDER BY opened_at, no`).all() as CaseRow[];
}

export function openCase(ctx: Ctx, no: string, title: string): CaseRow {
  return writeTx(ctx, () => {
    if (getCase(ctx, no)) throw new CaseError(`case ${no} already exists`);
    stmt(ctx.db, 'INSERT INTO cases (no, title, opened_at, opened_by) VALUES (?, ?, ?, ?)').run(no, title, ctx.now(), ctx.actor);
    audit(ctx, 'case.opened', { caseNo: no, title });
    return getCase(ctx, no)!;
  });
}

export function closeCase(ctx: Ctx, no: string, at: string): CaseRow {
  return writeTx(ctx, () => {
    const c = requireCase(ctx, no);
    if (c.closedAt !== null) throw new CaseError(`case ${no} is already closed (${c.closedAt})`);
    stmt(ctx.db, 'UPDATE cases SET closed_at = ?, closed_by = ? WHERE no = ?').run(at, ctx.actor, no);
    audit(ctx, 'case.closed', { caseNo: no, closedAt: at });
    return getCase(ctx, no)!;
  });
}

export function reopenCase(ctx: Ctx, no: string): CaseRow {
  return writeTx(ctx, () => {
    const c = requireCase(ctx, no);
    if (c.closedAt === null) throw new CaseError(`case ${no} is open`);
    stmt(ctx.db, 'UPDATE cases SET closed_at = NULL, closed_by = NULL WHERE no = ?').run(no);
    audit(ctx, 'case.reopened', { caseNo: no, wasClosedAt: c.closedAt });
    return getCase(ctx, no)!;
  });
}

function requireLive(ctx: Ctx, id: number): void {
  if (!stmt(ctx.db, 'SELECT 1 FROM recordings WHERE id = ?').get(id)) throw new CaseError(`no recording ${id}`);
}

/** Links recordings to a stage; returns the ids newly linked (a repeated link is a no-op). */
export function linkRecordings(ctx: Ctx, no: string, ids: number[], stage: string): number[] {
  return writeTx(ctx, () => {
    requireCase(ctx, no);
    const added: number[] = [];
    for (const id of ids) {
      requireLive(ctx, id);
      const info = stmt(ctx.db, 'INSERT OR IGNORE INTO case_links (case_no, recording_id, stage, linked_at, linked_by) VALUES (?, ?, ?, ?, ?)')
        .run(no, id, stage, ctx.now(), ctx.actor);
      if (info.changes) added.push(id);
    }
    if (added.length) audit(ctx, 'case.linked', { caseNo: no, stage, recordingIds: added });
    return added;
  });
}

export interface DocumentInput { caseNo: string; stage: string; title: string | null; fileName: string; sha256: string; size: number }

/** Records a stage document already stored in the object store (the object row is created if new). */
export function addDocument(ctx: Ctx, d: DocumentInput): CaseDocumentRow {
  return writeTx(ctx, () => {
    requireCase(ctx, d.caseNo);
    const now = ctx.now();
    stmt(ctx.db, 'INSERT OR IGNORE INTO objects (sha256, size, stored_at) VALUES (?, ?, ?)').run(d.sha256, d.size, now);
    const info = stmt(ctx.db, `INSERT INTO case_documents (case_no, stage, title, file_name, sha256, size, added_at, added_by)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(d.caseNo, d.stage, d.title, d.fileName, d.sha256, d.size, now, ctx.actor);
    const id = Number(info.lastInsertRowid);
    audit(ctx, 'case.document.added', { documentId: id, caseNo: d.caseNo, stage: d.stage, title: d.title, fileName: d.fileName, sha256: d.sha256, size: d.size });
    return { id, ...d, addedAt: now, addedBy: ctx.actor };
  });
}

export function caseLinks(ctx: Ctx, no: string): CaseLinkRow[] {
  return stmt(ctx.db, `SELECT case_no AS caseNo, recording_id AS recordingId, stage, linked_at AS linkedAt, linked_by AS linkedBy
    FROM case_links WHERE case_no = ? ORDER BY recording_id, stage`).all(no) as CaseLinkRow[];
}

export function caseDocuments(ctx: Ctx, no: string): CaseDocumentRow[] {
  return stmt(ctx.db, `SELECT id, case_no AS caseNo, stage, title, file_name AS fileName, sha256, size, added_at AS addedAt, added_by AS addedBy
    FROM case_documents WHERE case_no = ? ORDER BY id`).all(no) as CaseDocumentRow[];
}

/** recordingId → the cases it is linked to (with their open/closed state). */
export function casesByRecording(ctx: Ctx): Map<number, CaseRow[]> {
  const rows = stmt(ctx.db, `SELECT DISTINCT l.recording_id AS rid, ${CASE_COLS.replace(/(^|, )/g, '$1c.')} FROM case_links l JOIN cases c ON c.no = l.case_no`)
    .all() as (CaseRow & { rid: number })[];
  const out = new Map<number, CaseRow[]>();
  for (const { rid, ...c } of rows) out.set(rid, [...(out.get(rid) ?? []), c]);
  return out;
}

// ---- holds

export function addHold(ctx: Ctx, input: { reason: string; recordingIds?: number[]; caseNo?: string }): HoldRow {
  if (!input.reason.trim()) throw new CaseError('a hold needs a reason');
  const ids = input.recordingIds ?? [];
  if ((ids.length === 0) === (input.caseNo === undefined)) throw new CaseError('a hold names recordings or a case (one of them)');
  return writeTx(ctx, () => {
    if (input.caseNo !== undefined) requireCase(ctx, input.caseNo);
    for (const id of ids) requireLive(ctx, id);
    const info = stmt(ctx.db, 'INSERT INTO holds (reason, case_no, created_at, created_by) VALUES (?, ?, ?, ?)')
      .run(input.reason, input.caseNo ?? null, ctx.now(), ctx.actor);
    const id = Number(info.lastInsertRowid);
    for (const rid of ids) stmt(ctx.db, 'INSERT OR IGNORE INTO hold_items (hold_id, recording_id) VALUES (?, ?)').run(id, rid);
    audit(ctx, 'hold.added', { holdId: id, reason: input.reason, caseNo: input.caseNo ?? null, recordingIds: ids });
    return getHold(ctx, id)!;
  });
}

export function releaseHold(ctx: Ctx, id: number, reason: string): HoldRow {
  if (!reason.trim()) throw new CaseError('releasing a hold needs a reason');
  return writeTx(ctx, () => {
    const h = getHold(ctx, id);
    if (!h) throw new CaseError(`no hold ${id}`);
    if (h.releasedAt !== null) throw new CaseError(`hold ${id} was already released (${h.releasedAt})`);
    stmt(ctx.db, 'UPDATE holds SET released_at = ?, released_by = ?, release_reason = ? WHERE id = ?').run(ctx.now(), ctx.actor, reason, id);
    audit(ctx, 'hold.released', { holdId: id, reason });
    return getHold(ctx, id)!;
  });
}

interface RawHold { id: number; reason: string; case_no: string | null; created_at: string; created_by: string; released_at: string | null; released_by: string | null; release_reason: string | null }

function toHold(ctx: Ctx, r: RawHold): HoldRow {
  const ids = (stmt(ctx.db, 'SELECT recording_id AS id FROM hold_items WHERE hold_id = ? ORDER BY recording_id').all(r.id) as { id: number }[]).map((x) => x.id);
  return {
    id: r.id, reason: r.reason, caseNo: r.case_no, recordingIds: ids, createdAt: r.created_at, createdBy: r.created_by,
    releasedAt: r.released_at, releasedBy: r.released_by, releaseReason: r.release_reason,
  };
}

export function getHold(ctx: Ctx, id: number): HoldRow | undefined {
  const r = stmt(ctx.db, 'SELECT * FROM holds WHERE id = ?').get(id) as RawHold | undefined;
  return r ? toHold(ctx, r) : undefined;
}

export function listHolds(ctx: Ctx, opts: { active?: boolean } = {}): HoldRow[] {
  const where = opts.active ? 'WHERE released_at IS NULL' : '';
  return (stmt(ctx.db, `SELECT * FROM holds ${where} ORDER BY id`).all() as RawHold[]).map((r) => toHold(ctx, r));
}

/** recordingId → active holds on it, directly or through a held case. */
export function activeHoldsByRecording(ctx: Ctx): Map<number, { id: number; reason: string }[]> {
  const rows = stmt(ctx.db, `
    SELECT i.recording_id AS rid, h.id, h.reason FROM holds h JOIN hold_items i ON i.hold_id = h.id WHERE h.released_at IS NULL
    UNION
    SELECT l.recording_id AS rid, h.id, h.reason FROM holds h JOIN case_links l ON l.case_no = h.case_no WHERE h.released_at IS NULL
    ORDER BY 1, 2`).all() as { rid: number; id: number; reason: string }[];
  const out = new Map<number, { id: number; reason: string }[]>();
  for (const r of rows) out.set(r.rid, [...(out.get(r.rid) ?? []), { id: r.id, reason: r.reason }]);
  return out;
}
