// The access rules as pure functions, driven from tables.
import { describe, expect, it } from 'vitest';
import { checkDecision, checkRevoke, checkUse, effectiveStatus, expiryOf, grantHours, reportScope, type RefusalCode } from '../../src/access/rules.js';
import type { AccessRequestRow, AccessUse, Actor, Role } from '../../src/access/types.js';

const NOW = '2026-12-01T08:00:00.000Z';
const A = 'UNIT-A';
const B = 'UNIT-B';
const actor = (badge: string, roles: Role[], unit = A): Actor => ({ badge, osUser: `u${badge}`, roles, unit });
const requester = actor('000123', ['officer']);
const head = actor('000789', ['head']);
const admin = actor('000790', ['admin']);
const headB = actor('000555', ['head'], B);
const custodian = actor('000456', ['officer', 'custodian']);
const officer = actor('000124', ['officer']);

type Req = Pick<AccessRequestRow, 'id' | 'requester' | 'kind' | 'unit' | 'status' | 'expiresAt' | 'recordings'>;
const req = (over: Partial<Req> = {}): Req => ({
  id: 7, requester: '000123', kind: 'copy', unit: A, status: 'pending', expiresAt: null, recordings: [1, 2], ...over,
});
const approved = (over: Partial<Req> = {}): Req => req({ status: 'approved', expiresAt: '2026-12-01T09:00:00.000Z', ...over });

describe('effectiveStatus', () => {
  it.each([
    ['pending', null, 'pending'],
    ['approved', '2026-12-01T08:00:00.001Z', 'approved'],
    ['approved', NOW, 'expired'], // expiry is exclusive: at the instant it ends, it is over
    ['approved', '2026-11-30T00:00:00.000Z', 'expired'],
    ['rejected', null, 'rejected'],
    ['revoked', '2026-12-02T00:00:00.000Z', 'revoked'],
    ['used', '2026-12-02T00:00:00.000Z', 'used'],
  ] as const)('%s expiring %s is %s', (status, expiresAt, want) => {
    expect(effectiveStatus({ status, expiresAt }, NOW)).toBe(want);
  });
});

describe('checkDecision (approve / reject)', () => {
  const table: [string, Actor, Req, RefusalCode | null][] = [
    ['a head of the unit', head, req(), null],
    ['an admin of the unit', admin, req(), null],
    ['the requester, even a head', actor('000789', ['head']), req({ requester: '000789' }), 'self-approval'],
    ['the requester, even an admin', admin, req({ requester: '000790' }), 'self-approval'],
    ['a head of another unit', headB, req(), 'other-unit'],
    ['a custodian', custodian, req(), 'no-role'],
    ['an officer', officer, req(), 'no-role'],
    ['an admin of another unit', actor('000791', ['admin'], B), req(), 'other-unit'],
    ['anyone on an approved request', head, approved(), 'not-pending'],
    ['anyone on a rejected request', head, req({ status: 'rejected' }), 'not-pending'],
  ];
  it.each(table)('%s → %s', (_what, who, r, want) => {
    const v = checkDecision(who, r, NOW);
    if (want === null) expect(v).toEqual({ ok: true });
    else {
      expect(v).toMatchObject({ ok: false, code: want });
      expect((v as { reason: string }).reason).toMatch(/request 7|000|unit/);
    }
  });
});

describe('checkRevoke', () => {
  const table: [string, Actor, Req, RefusalCode | null][] = [
    ['the requester withdrawing a pending request', requester, req(), null],
    ['the requester ending a grant', requester, approved(), null],
    ['a head of the unit', head, approved(), null],
    ['a head of another unit', headB, approved(), 'no-role'],
    ['another officer', officer, approved(), 'no-role'],
    ['anyone, once expired', head, approved({ expiresAt: '2026-12-01T07:00:00.000Z' }), 'not-pending'],
    ['anyone, once used', head, approved({ status: 'used' }), 'not-pending'],
  ];
  it.each(table)('%s → %s', (_what, who, r, want) => {
    const v = checkRevoke(who, r, NOW);
    if (want === null) expect(v).toEqual({ ok: true }); else expect(v).toMatchObject({ ok: false, code: want });
  });
});

describe('checkUse (view / export)', () => {
  const live = new Set([1, 2]);
  const table: [string, Actor, Req, AccessUse, number[], RefusalCode | null][] = [
    ['export under an approved copy grant', requester, approved(), 'export', [1, 2], null],
    ['view under an approved copy grant', requester, approved(), 'view', [2], null],
    ['view under an approved view grant', requester, approved({ kind: 'view' }), 'view', [1], null],
    ['export under a view grant', requester, approved({ kind: 'view' }), 'export', [1, 2], 'view-grant-for-export'],
    ['someone other than the requester', officer, approved(), 'export', [1, 2], 'not-requester'],
    ['the approving head', head, approved(), 'view', [1], 'not-requester'],
    ['a pending request', requester, req(), 'export', [1, 2], 'pending'],
    ['a rejected request', requester, req({ status: 'rejected' }), 'export', [1, 2], 'rejected'],
    ['a revoked grant', requester, approved({ status: 'revoked' }), 'view', [1], 'revoked'],
    ['an expired grant', requester, approved({ expiresAt: '2026-12-01T07:59:59.000Z' }), 'export', [1, 2], 'expired'],
    ['a used copy grant', requester, approved({ status: 'used' }), 'export', [1, 2], 'used'],
    ['a recording outside the grant', requester, approved(), 'view', [3], 'outside-grant'],
    ['a purged recording', requester, approved({ recordings: [1, 2, 9] }), 'view', [9], 'purged'],
  ];
  it.each(table)('%s → %s', (_what, who, r, use, recs, want) => {
    const v = checkUse(who, r, use, recs, live, NOW);
    if (want === null) expect(v).toEqual({ ok: true }); else expect(v).toMatchObject({ ok: false, code: want });
  });
});

describe('grant length', () => {
  it.each([
    [{ defaultHours: 24, maxHours: 720 }, 24],
    [{ requested: 4, defaultHours: 24, maxHours: 720 }, 4],
    [{ approver: 2, requested: 4, defaultHours: 24, maxHours: 720 }, 2],
  ])('%j → %d h', (opts, want) => expect(grantHours(opts)).toBe(want));
  it.each([
    [{ requested: 0, defaultHours: 24, maxHours: 720 }, /positive/],
    [{ approver: -1, defaultHours: 24, maxHours: 720 }, /positive/],
    [{ requested: 1000, defaultHours: 24, maxHours: 720 }, /maxHours/],
  ])('%j is refused', (opts, msg) => expect(() => grantHours(opts)).toThrow(msg));
  it('expires hours after the decision', () => {
    expect(expiryOf('2026-12-01T08:00:00.000Z', 1.5)).toBe('2026-12-01T09:30:00.000Z');
  });
});

describe('reportScope', () => {
  it.each([
    ['an admin, all units', admin, undefined, { ok: true, unit: undefined }],
    ['an admin, another unit', admin, B, { ok: true, unit: B }],
    ['a head, by default their unit', head, undefined, { ok: true, unit: A }],
    ['a custodian, their unit', custodian, A, { ok: true, unit: A }],
    ['a head, another unit', head, B, { ok: false, code: 'other-unit' }],
    ['an officer', officer, undefined, { ok: false, code: 'no-role' }],
  ] as const)('%s', (_what, who, unit, want) => {
    expect(reportScope(who, unit)).toMatchObject(want);
  });
});
