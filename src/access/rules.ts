// The access rules of art. 15 / invariant 4 as pure functions: given the actor, the request as
// stored and the time, each says yes or names why not. The service (service.ts) applies them
// before and again inside the write transaction; tests drive them from tables.
import type { AccessRequestRow, AccessStatus, AccessUse, Actor, Role } from './types.js';

export type RefusalCode =
  | 'self-approval' | 'no-role' | 'other-unit' | 'not-pending'
  | 'pending' | 'rejected' | 'revoked' | 'expired' | 'used'
  | 'outside-grant' | 'purged' | 'not-requester' | 'view-grant-for-export' | 'not-in-roster' | 'not-root';

export type Verdict = { ok: true } | { ok: false; code: RefusalCode; reason: string };

const OK: Verdict = { ok: true };
type Refusal = Verdict & { ok: false };
const no = (code: RefusalCode, reason: string): Refusal => ({ ok: false, code, reason });

type RequestView = Pick<AccessRequestRow, 'id' | 'requester' | 'kind' | 'unit' | 'status' | 'expiresAt' | 'recordings'>;

/** Stored status, with an approved grant past its expiry reported as 'expired'. */
export function effectiveStatus(req: Pick<AccessRequestRow, 'status' | 'expiresAt'>, now: string): AccessStatus {
  if (req.status === 'approved' && req.expiresAt !== null && Date.parse(req.expiresAt) <= Date.parse(now)) return 'expired';
  return req.status;
}

const DECIDERS: readonly Role[] = ['head', 'admin'];

/** Whether the actor is a head or admin of the given unit. */
export function isDeciderOf(actor: Actor, unit: string): boolean {
  return actor.unit === unit && actor.roles.some((r) => DECIDERS.includes(r));
}

/** approve / reject: a head or admin of the recordings' unit, not the requester, while pending. */
export function checkDecision(actor: Actor, req: RequestView, now: string): Verdict {
  const status = effectiveStatus(req, now);
  if (status !== 'pending') return no('not-pending', `request ${req.id} is ${status}, not pending`);
  if (actor.badge === req.requester) {
    return no('self-approval', `request ${req.id} is ${actor.badge}'s own: a request is decided by someone else (four eyes)`);
  }
  if (!actor.roles.some((r) => DECIDERS.includes(r))) {
    return no('no-role', `${actor.badge} is ${actor.roles.join('/') || 'without a role'}: only a unit head or an admin decides access requests`);
  }
  if (actor.unit !== req.unit) {
    return no('other-unit', `${actor.badge} belongs to unit ${actor.unit}; request ${req.id} is decided by a head or admin of unit ${req.unit}`);
  }
  return OK;
}

/** revoke: the requester withdrawing, or a head/admin of the unit, while pending or approved and unexpired. */
export function checkRevoke(actor: Actor, req: RequestView, now: string): Verdict {
  const status = effectiveStatus(req, now);
  if (status !== 'pending' && status !== 'approved') return no('not-pending', `request ${req.id} is ${status}: nothing left to revoke`);
  if (actor.badge === req.requester || isDeciderOf(actor, req.unit)) return OK;
  return no('no-role', `only the requester or a head/admin of unit ${req.unit} may revoke request ${req.id}`);
}

const GRANT_REFUSALS: Partial<Record<AccessStatus, [RefusalCode, string]>> = {
  pending: ['pending', 'is not approved yet'],
  rejected: ['rejected', 'was rejected'],
  revoked: ['revoked', 'was revoked'],
  expired: ['expired', 'has expired'],
  used: ['used', 'was already used for an export (a copy grant gives one export)'],
};

/**
 * Using a grant to view or export recordings. `live` holds the ids still in custody (a purged
 * recording is refused even inside the grant).
 */
export function checkUse(actor: Actor, req: RequestView, use: AccessUse, recordings: readonly number[],
  live: ReadonlySet<number>, now: string): Verdict {
  if (actor.badge !== req.requester) {
    return no('not-requester', `request ${req.id} belongs to ${req.requester}: only the requester may ${use} under it`);
  }
  const status = effectiveStatus(req, now);
  const refusal = GRANT_REFUSALS[status];
  if (refusal) return no(refusal[0], `request ${req.id} ${refusal[1]}${status === 'expired' ? ` (at ${req.expiresAt})` : ''}`);
  if (use === 'export' && req.kind !== 'copy') return no('view-grant-for-export', `request ${req.id} grants viewing only, not a copy`);
  const granted = new Set(req.recordings);
  const outside = recordings.filter((r) => !granted.has(r));
  if (outside.length) return no('outside-grant', `recording ${outside.join(', ')} is not in request ${req.id} (it grants ${req.recordings.join(', ')})`);
  const gone = recordings.filter((r) => !live.has(r));
  if (gone.length) return no('purged', `recording ${gone.join(', ')} has been purged from custody`);
  return OK;
}

/** Hours of a grant: the approver's, else the request's, else the default; within (0, max]. */
export function grantHours(opts: { approver?: number | undefined; requested?: number | undefined; defaultHours: number; maxHours: number }): number {
  const h = opts.approver ?? opts.requested ?? opts.defaultHours;
  if (!(Number.isFinite(h) && h > 0)) throw new RangeError(`--hours must be a positive number, got ${h}`);
  if (h > opts.maxHours) throw new RangeError(`--hours ${h} is more than access.maxHours (${opts.maxHours})`);
  return h;
}

export function expiryOf(decidedAt: string, hours: number): string {
  return new Date(Date.parse(decidedAt) + Math.round(hours * 3_600_000)).toISOString();
}

/**
 * Which unit an access report may cover: custodians and heads their own unit (the default), admins
 * any unit or all (undefined). Officers get none.
 */
export function reportScope(actor: Actor, requested: string | undefined): { ok: true; unit: string | undefined } | Refusal {
  const admin = actor.roles.includes('admin');
  if (!admin && !actor.roles.some((r) => r === 'head' || r === 'custodian')) {
    return no('no-role', `${actor.badge} is not a custodian, head or admin`);
  }
  if (admin) return { ok: true, unit: requested };
  if (requested !== undefined && requested !== actor.unit) return no('other-unit', `${actor.badge} may report on unit ${actor.unit} only`);
  return { ok: true, unit: actor.unit };
}
