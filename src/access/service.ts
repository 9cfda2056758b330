// Requests, decisions, revocations and the grant check that view and export go through. Each
// refusal is audited (`access.refused`) and thrown as NotPermittedError (exit 4); each change is
// audited by the custody repository in the same transaction as the change.
import type { Custody, RecordingRow } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import { AccessUsageError, NotPermittedError } from './errors.js';
import {
  checkDecision, checkRevoke, checkUse, effectiveStatus, expiryOf, grantHours, isDeciderOf, reportScope, type Verdict,
} from './rules.js';
import { accessReport, type AccessReport } from './report.js';
import type { AccessKind, AccessRequestRow, AccessStatus, AccessUse, Actor, Roster } from './types.js';

export interface AccessSettings { defaultHours: number; maxHours: number; font?: string | undefined; player?: string[] | undefined }

export interface AccessDeps {
  custody: Custody;
  store: ObjectStore;
  roster: Roster;
  dataDir: string;
  settings: AccessSettings;
  /** The station's unit, named in receipts. */
  station: { code: string; name: string };
}

/** One request as `access list` shows it. */
export interface AccessListItem {
  id: number;
  requester: string;
  kind: AccessKind;
  purpose: string;
  recordings: number[];
  status: AccessStatus;
  decidedBy: string | null;
  expiresAt: string | null;
  unit: string;
  requestedAt: string;
  caseNo: string | null;
  reason: string | null;
}

export function listItem(r: AccessRequestRow, now: string): AccessListItem {
  return {
    id: r.id, requester: r.requester, kind: r.kind, purpose: r.purpose, recordings: r.recordings,
    status: effectiveStatus(r, now), decidedBy: r.decidedBy, expiresAt: r.expiresAt,
    unit: r.unit, requestedAt: r.requestedAt, caseNo: r.caseNo, reason: r.reason,
  };
}

function who(actor: Actor): Record<string, unknown> {
  return { by: actor.badge, osUser: actor.osUser };
}

/** Audits the refusal and throws it. */
export function refuse(deps: AccessDeps, actor: Actor, action: string, verdict: Verdict & { ok: false },
  subject: { request?: number; unit?: string; recordings?: number[] } = {}): never {
  deps.custody.auditAccess('access.refused', { action, code: verdict.code, reason: verdict.reason, ...subject, ...who(actor) }, actor.badge);
  throw new NotPermittedError(verdict.code, `${action} refused: ${verdict.reason}`);
}

class RefusedInTx extends Error {
  constructor(readonly verdict: Verdict & { ok: false }) { super(verdict.reason); }
}

/** Runs a transition whose rule is checked again inside the transaction; a refusal there is audited after rollback. */
function guarded(deps: AccessDeps, actor: Actor, action: string, id: number, fn: (check: (v: Verdict) => void) => AccessRequestRow): AccessRequestRow {
  try {
    return fn((v) => { if (!v.ok) throw new RefusedInTx(v); });
  } catch (e) {
    if (e instanceof RefusedInTx) {
      const row = deps.custody.getAccessRequest(id);
      refuse(deps, actor, action, e.verdict, { request: id, ...(row ? { unit: row.unit, recordings: row.recordings } : {}) });
    }
    throw e;
  }
}

export function requireRequest(deps: AccessDeps, id: number): AccessRequestRow {
  if (!Number.isSafeInteger(id) || id <= 0) throw new AccessUsageError(`not a request number: ${id}`);
  const row = deps.custody.getAccessRequest(id);
  if (!row) throw new AccessUsageError(`no access request ${id}`);
  return row;
}

export interface RequestInput { recordings: number[]; caseNo?: string | undefined; purpose: string; kind: AccessKind; hours?: number | undefined }

export function requestAccess(deps: AccessDeps, actor: Actor, input: RequestInput): AccessRequestRow {
  if (!input.purpose.trim()) throw new AccessUsageError('--purpose must say why the footage is needed');
  if (input.recordings.length === 0) throw new AccessUsageError('name at least one recording (--recordings ID… or --case NO)');
  const recs = input.recordings.map((id) => {
    const r = deps.custody.getRecording(id);
    if (!r) throw new AccessUsageError(`no recording ${id} in custody`);
    return r;
  });
  const units = [...new Set(recs.map((r) => deps.roster.unitOfBadge(r.badge)))];
  if (units.length > 1) {
    throw new AccessUsageError(`the recordings belong to units ${units.join(', ')}: one request per unit (each unit's head decides its own)`);
  }
  let hours: number;
  try {
    hours = grantHours({ requested: input.hours, defaultHours: deps.settings.defaultHours, maxHours: deps.settings.maxHours });
  } catch (e) {
    throw new AccessUsageError((e as Error).message);
  }
  const unit = units[0]!;
  return deps.custody.createAccessRequest(
    { requester: actor.badge, requesterOsUser: actor.osUser, kind: input.kind, purpose: input.purpose.trim(), caseNo: input.caseNo, hours, unit, recordings: recs.map((r) => r.id) },
    { kind: input.kind, purpose: input.purpose.trim(), recordings: recs.map((r) => r.id), unit, hours, caseNo: input.caseNo ?? null, requester: actor.badge, ...who(actor) },
  );
}

/** --case NO: the recordings the case register links to it. */
export function recordingsOfCase(deps: AccessDeps, caseNo: string): number[] {
  let ids: number[] | undefined;
  try {
    ids = deps.custody.recordingIdsOfCase(caseNo);
  } catch (e) {
    throw new AccessUsageError(`--case ${caseNo}: ${(e as Error).message}; name the recordings with --recordings`);
  }
  if (ids === undefined) throw new AccessUsageError(`--case ${caseNo}: no such case`);
  if (ids.length === 0) throw new AccessUsageError(`--case ${caseNo}: no recordings are linked to this case`);
  return ids;
}

export function approveAccess(deps: AccessDeps, actor: Actor, id: number, opts: { hours?: number | undefined } = {}): AccessRequestRow {
  const row = requireRequest(deps, id);
  const first = checkDecision(actor, row, deps.custody.now());
  if (!first.ok) refuse(deps, actor, `approve request ${id}`, first, { request: id, unit: row.unit, recordings: row.recordings });
  let hours: number;
  try {
    hours = grantHours({ approver: opts.hours, requested: row.hours, defaultHours: deps.settings.defaultHours, maxHours: deps.settings.maxHours });
  } catch (e) {
    throw new AccessUsageError((e as Error).message);
  }
  const expiresAt = expiryOf(deps.custody.now(), hours);
  return guarded(deps, actor, `approve request ${id}`, id, (check) => deps.custody.transitionAccessRequest(id, actor.badge,
    (r, now) => check(checkDecision(actor, r, now)),
    { status: 'approved', decidedBy: actor.badge, expiresAt }, 'access.approve',
    { unit: row.unit, requester: row.requester, kind: row.kind, recordings: row.recordings, hours, expiresAt, ...who(actor) }));
}

export function rejectAccess(deps: AccessDeps, actor: Actor, id: number, reason: string): AccessRequestRow {
  if (!reason.trim()) throw new AccessUsageError('--reason must say why the request is rejected');
  const row = requireRequest(deps, id);
  const first = checkDecision(actor, row, deps.custody.now());
  if (!first.ok) refuse(deps, actor, `reject request ${id}`, first, { request: id, unit: row.unit, recordings: row.recordings });
  return guarded(deps, actor, `reject request ${id}`, id, (check) => deps.custody.transitionAccessRequest(id, actor.badge,
    (r, now) => check(checkDecision(actor, r, now)),
    { status: 'rejected', decidedBy: actor.badge, reason: reason.trim() }, 'access.reject',
    { unit: row.unit, requester: row.requester, recordings: row.recordings, reason: reason.trim(), ...who(actor) }));
}

export function revokeAccess(deps: AccessDeps, actor: Actor, id: number, reason?: string): AccessRequestRow {
  const row = requireRequest(deps, id);
  const first = checkRevoke(actor, row, deps.custody.now());
  if (!first.ok) refuse(deps, actor, `revoke request ${id}`, first, { request: id, unit: row.unit, recordings: row.recordings });
  return guarded(deps, actor, `revoke request ${id}`, id, (check) => deps.custody.transitionAccessRequest(id, actor.badge,
    (r, now) => check(checkRevoke(actor, r, now)),
    { status: 'revoked', revokedBy: actor.badge, reason: reason?.trim() || null }, 'access.revoke',
    { unit: row.unit, requester: row.requester, recordings: row.recordings, reason: reason?.trim() || null, ...who(actor) }));
}

/** What the actor may see: admins everything, heads and custodians their unit's, everyone their own. */
export function listAccess(deps: AccessDeps, actor: Actor, opts: { mine?: boolean | undefined; pending?: boolean | undefined } = {}): AccessListItem[] {
  const now = deps.custody.now();
  const unitWide = actor.roles.some((r) => r === 'head' || r === 'custodian');
  return deps.custody.listAccessRequests(opts.mine ? { requester: actor.badge } : {})
    .filter((r) => r.requester === actor.badge || actor.roles.includes('admin') || (unitWide && r.unit === actor.unit))
    .map((r) => listItem(r, now))
    // --pending: what waits for this actor's decision (not their own)
    .filter((r) => !opts.pending || (r.status === 'pending' && r.requester !== actor.badge && isDeciderOf(actor, r.unit)));
}

export interface Grant { request: AccessRequestRow; recordings: RecordingRow[] }

/** The check every view and export goes through; refuses (audited, exit 4) unless the grant covers them now. */
export function authorizeUse(deps: AccessDeps, actor: Actor, id: number, use: AccessUse, recordingIds?: number[]): Grant {
  const request = requireRequest(deps, id);
  const ids = recordingIds ?? request.recordings;
  const live = new Map<number, RecordingRow>();
  for (const rid of ids) {
    const r = deps.custody.getRecording(rid);
    if (r) live.set(rid, r);
  }
  const v = checkUse(actor, request, use, ids, new Set(live.keys()), deps.custody.now());
  if (!v.ok) refuse(deps, actor, `${use} under request ${id}`, v, { request: id, unit: request.unit, recordings: ids });
  return { request, recordings: ids.map((rid) => live.get(rid)!) };
}

/** Re-checks the grant inside the transaction that records its use (a revocation during the copy wins). */
export function recordUse(deps: AccessDeps, actor: Actor, grant: Grant, use: AccessUse, payload: Record<string, unknown>): AccessRequestRow {
  const { request } = grant;
  const ids = grant.recordings.map((r) => r.id);
  const event = use === 'export' ? 'access.export' : 'access.view';
  const recheck = (r: AccessRequestRow, now: string): Verdict => checkUse(actor, r, use, ids, new Set(ids), now);
  if (use === 'view') {
    // A view changes no status (a view grant serves several views until it expires).
    return guarded(deps, actor, `${use} under request ${request.id}`, request.id, (check) => deps.custody.transitionAccessRequest(
      request.id, actor.badge, (r, now) => check(recheck(r, now)), { status: 'approved' }, event,
      { unit: request.unit, recordings: ids, ...payload, ...who(actor) }));
  }
  return guarded(deps, actor, `${use} under request ${request.id}`, request.id, (check) => deps.custody.transitionAccessRequest(
    request.id, actor.badge, (r, now) => check(recheck(r, now)), { status: 'used', used: true }, event,
    { unit: request.unit, recordings: ids, ...payload, ...who(actor) }));
}

/** `report access` for what the actor may see (refusals audited like the others). */
export function accessReportFor(deps: AccessDeps, actor: Actor, opts: { from?: string | undefined; to?: string | undefined; unit?: string | undefined }): AccessReport {
  const scope = reportScope(actor, opts.unit);
  if (!scope.ok) refuse(deps, actor, 'report access', scope, opts.unit === undefined ? {} : { unit: opts.unit });
  return accessReport(deps.custody.listAccessAudit({ from: opts.from, to: opts.to }),
    { from: opts.from, to: opts.to, unit: scope.unit, nameOf: (b) => deps.roster.nameOf(b) });
}
