// Access requests and grants (art. 15). The rules (who may decide, use, revoke) live in src/access
// as pure functions; this repository stores what they decided. Each change re-reads the row inside
// its write transaction and asks the caller's check again, so a grant revoked while an export was
// being made is caught at commit, and two approvers cannot both decide the same request.
import { stmt, toIso } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import type { AccessKind, AccessRequestInput, AccessRequestRow, AccessStoredStatus, AuditEntryLite } from './types.js';

interface RawRequest {
  id: number;
  requester: string;
  requester_os: string | null;
  kind: AccessKind;
  purpose: string;
  case_no: string | null;
  hours: number;
  unit: string;
  status: AccessStoredStatus;
  requested_at: string;
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  expires_at: string | null;
  revoked_by: string | null;
  revoked_at: string | null;
  used_at: string | null;
}

function toRow(ctx: Ctx, r: RawRequest): AccessRequestRow {
  const recs = stmt(ctx.db, 'SELECT recording_id AS id FROM access_request_recordings WHERE request_id = ? ORDER BY recording_id')
    .all(r.id) as { id: number }[];
  return {
    id: r.id, requester: r.requester, requesterOsUser: r.requester_os, kind: r.kind, purpose: r.purpose, caseNo: r.case_no,
    hours: r.hours, unit: r.unit, status: r.status, requestedAt: r.requested_at, decidedBy: r.decided_by,
    decidedAt: r.decided_at, reason: r.reason, expiresAt: r.expires_at, revokedBy: r.revoked_by,
    revokedAt: r.revoked_at, usedAt: r.used_at, recordings: recs.map((x) => x.id),
  };
}

export function getAccessRequest(ctx: Ctx, id: number): AccessRequestRow | undefined {
  const r = stmt(ctx.db, 'SELECT * FROM access_requests WHERE id = ?').get(id) as RawRequest | undefined;
  return r ? toRow(ctx, r) : undefined;
}

export function listAccessRequests(ctx: Ctx, filter: { requester?: string | undefined; status?: AccessStoredStatus | undefined } = {}): AccessRequestRow[] {
  const rows = stmt(ctx.db, `SELECT * FROM access_requests
    WHERE (@requester IS NULL OR requester = @requester) AND (@status IS NULL OR status = @status) ORDER BY id`)
    .all({ requester: filter.requester ?? null, status: filter.status ?? null }) as RawRequest[];
  return rows.map((r) => toRow(ctx, r));
}

/** Inserts a pending request and its audit entry (`access.request`) in one transaction. */
export function createAccessRequest(ctx: Ctx, input: AccessRequestInput, auditPayload: Record<string, unknown>): AccessRequestRow {
  if (input.recordings.length === 0) throw new Error('custody: an access request names at least one recording');
  return writeTx(ctx, () => {
    const info = stmt(ctx.db, `INSERT INTO access_requests (requester, requester_os, kind, purpose, case_no, hours, unit, requested_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`).run(input.requester, input.requesterOsUser ?? null, input.kind, input.purpose,
      input.caseNo ?? null, input.hours, input.unit, ctx.now());
    const id = Number(info.lastInsertRowid);
    const link = stmt(ctx.db, 'INSERT INTO access_request_recordings (request_id, recording_id) VALUES (?, ?)');
    for (const rec of [...new Set(input.recordings)]) link.run(id, rec);
    audit(ctx, 'access.request', { request: id, ...auditPayload }, input.requester);
    return getAccessRequest(ctx, id)!;
  });
}

export interface AccessTransition {
  status: AccessStoredStatus;
  decidedBy?: string;
  reason?: string | null;
  expiresAt?: string;
  revokedBy?: string;
  used?: boolean;
}

/**
 * Moves a request to a new status. `check` sees the row as it is inside the transaction and throws to
 * refuse (nothing is written then); `event`/`payload` are the audit entry written with the change.
 */
export function transitionAccessRequest(
  ctx: Ctx, id: number, actor: string, check: (row: AccessRequestRow, now: string) => void,
  next: AccessTransition, event: string, payload: Record<string, unknown>,
): AccessRequestRow {
  return writeTx(ctx, () => {
    const row = getAccessRequest(ctx, id);
    if (!row) throw new Error(`custody: no access request ${id}`);
    const now = ctx.now();
    check(row, now);
    stmt(ctx.db, `UPDATE access_requests SET status = @status,
        decided_by = COALESCE(@decidedBy, decided_by), decided_at = CASE WHEN @decidedBy IS NULL THEN decided_at ELSE @now END,
        reason = COALESCE(@reason, reason), expires_at = COALESCE(@expiresAt, expires_at),
        revoked_by = COALESCE(@revokedBy, revoked_by), revoked_at = CASE WHEN @revokedBy IS NULL THEN revoked_at ELSE @now END,
        used_at = CASE WHEN @used = 1 THEN @now ELSE used_at END
      WHERE id = @id`).run({
      id, now, status: next.status, decidedBy: next.decidedBy ?? null, reason: next.reason ?? null,
      expiresAt: next.expiresAt === undefined ? null : toIso(next.expiresAt), revokedBy: next.revokedBy ?? null, used: next.used ? 1 : 0,
    });
    audit(ctx, event, { request: id, ...payload }, actor);
    return getAccessRequest(ctx, id)!;
  });
}

/** An audit entry about access that changes no row (a refusal, a view). */
export function auditAccess(ctx: Ctx, event: string, payload: Record<string, unknown>, actor: string): void {
  writeTx(ctx, () => { audit(ctx, event, payload, actor); });
}

/** The access.* entries of the audit log in [from, to) (ISO times), oldest first. */
export function listAccessAudit(ctx: Ctx, range: { from?: string | undefined; to?: string | undefined } = {}): AuditEntryLite[] {
  const rows = stmt(ctx.db, `SELECT seq, at, actor, event, payload FROM audit_log
    WHERE event LIKE 'access.%' AND (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to) ORDER BY seq`)
    .all({ from: range.from === undefined ? null : toIso(range.from), to: range.to === undefined ? null : toIso(range.to) }) as
    { seq: number; at: string; actor: string; event: string; payload: string }[];
  return rows.map((r) => ({ seq: r.seq, at: r.at, actor: r.actor, event: r.event, payload: JSON.parse(r.payload) as Record<string, unknown> }));
}

/**
 * The recordings linked to a case (retention's case register, table case_links), or undefined when
 * the case is unknown. Throws when this database has no case register at all.
 */
export function recordingIdsOfCase(ctx: Ctx, caseNo: string): number[] | undefined {
  const has = (name: string) => stmt(ctx.db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
  if (!has('cases') || !has('case_links')) throw new Error('this custody database has no case register');
  if (ctx.db.prepare('SELECT 1 FROM cases WHERE no = ?').get(caseNo) === undefined) return undefined;
  return (ctx.db.prepare('SELECT DISTINCT recording_id AS id FROM case_links WHERE case_no = ? ORDER BY recording_id').all(caseNo) as { id: number }[])
    .map((r) => r.id);
}
