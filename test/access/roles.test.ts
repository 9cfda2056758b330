// The role matrix: every role against every action, and the subject scope (own / unit / sub-units).
import { describe, expect, it } from 'vitest';
import { may, KNOWN_ACTIONS, type Actor, type Role } from '../../src/access/roles.js';

const units = new Map<string, string | null>([['CITY', null], ['EAST', 'CITY'], ['WEST', 'CITY'], ['EAST1', 'EAST']]);
const person = (roles: Role[], unit = 'EAST', badge = 'A00001'): Actor => ({ name: badge, kind: 'officer', osUser: 'u', badge, roles, unit });
const root: Actor = { name: 'root', kind: 'root', osUser: 'root', badge: null, roles: [], unit: null };
const system: Actor = { name: 'system', kind: 'system', osUser: 'evidock', badge: null, roles: [], unit: null };
const unknown: Actor = { name: 'mallory', kind: 'unknown', osUser: 'mallory', badge: null, roles: [], unit: null };

// action → [officer, custodian, head, admin]
const MATRIX: Record<string, [boolean, boolean, boolean, boolean]> = {
  'status': [true, true, true, true],
  'recordings.list': [true, true, true, true],
  'sessions.list': [true, true, true, true],
  'recording.read': [true, true, true, true],
  'session.read': [true, true, true, true],
  'audit.pubkey': [true, true, true, true],
  'ingest': [false, true, false, true],
  'verify': [false, true, true, true],
  'audit.verify': [false, true, true, true],
  'audit.log': [false, false, true, true],
  'audit.checkpoint': [false, false, false, true],
  'config.apply': [false, false, false, true],
  'access.request': [true, true, true, true],
  'access.list': [true, true, true, true],
  'access.approve': [false, false, true, true],
  'access.reject': [false, false, true, true],
  'access.revoke': [false, false, true, true],
  'export': [true, true, true, true],
  'view': [true, true, true, true],
  'report.access': [false, true, true, true],
  'classify': [false, true, true, true],
  'case.open': [false, true, true, true],
  'case.close': [false, true, true, true],
  'case.reopen': [false, true, true, true],
  'case.link': [false, true, true, true],
  'case.attach': [false, true, true, true],
  'case.show': [false, true, true, true],
  'case.list': [false, true, true, true],
  'report.case': [false, true, true, true],
  'hold.add': [false, true, true, true],
  'hold.release': [false, false, true, true],
  'hold.list': [false, true, true, true],
  'retention.plan': [false, true, true, true],
  'retention.tombstones': [false, true, true, true],
  'retention.digest': [false, true, true, true],
  'retention.restore': [false, true, true, true],
  'retention.run': [false, false, false, true],
  'archive.plan': [false, true, false, true],
  'archive.build': [false, true, false, true],
  'archive.verify': [false, true, true, true],
  'archive.burn': [false, true, false, true],
  'archive.list': [false, true, true, true],
  'alerts.list': [false, true, true, true],
  'alerts.ack': [false, true, true, true],
  'gap.list': [true, true, true, true],
  'gap.read': [true, true, true, true],
  'gap.explain': [true, true, true, true],
  'gap.review': [false, false, true, true],
  'report.late': [false, true, true, true],
  'report.gaps': [false, true, true, true],
  'report.performance': [false, true, true, true],
  'upstream.status': [false, true, true, true],
  'upstream.sync': [false, true, false, true],
  'upstream.prune': [false, true, false, true],
  'upstream.catalog-status': [false, true, true, true],
  'upstream.catalog-sync': [false, true, false, true],
  'upstream.catalog-verify': [false, true, true, true],
  'device.add': [false, true, false, true],
  'device.list': [false, true, false, true],
  'device.assign': [false, true, false, true],
  'device.return': [false, true, false, true],
  'device.fault': [false, true, false, true],
  'device.repair': [false, true, false, true],
  'device.lost': [false, true, false, true],
  'device.damaged': [false, true, false, true],
  'device.retire': [false, true, false, true],
  'report.ledger': [false, true, true, true],
  'report.allocation': [false, true, true, true],
  'report.faults': [false, true, true, true],
  'report.officer': [true, true, true, true],
  'daemon': [false, false, false, false],
  'some.future.command': [false, false, false, true],
};

describe('may(actor, action) — the role matrix', () => {
  it('covers every known action', () => {
    expect(Object.keys(MATRIX).filter((a) => a !== 'some.future.command').sort()).toEqual([...KNOWN_ACTIONS].sort());
  });
  const rows = Object.entries(MATRIX).flatMap(([action, allowed]) =>
    (['officer', 'custodian', 'head', 'admin'] as Role[]).map((role, i) => [action, role, allowed[i]!] as const));
  it.each(rows)('%s by %s → %s', (action, role, expected) => {
    const d = may(person([role]), action);
    expect(d.allowed).toBe(expected);
    if (!expected) expect(d.reason).toMatch(/needs the role|only an admin|root or the service/);
  });
  it.each(Object.keys(MATRIX))('%s: root and system may, someone outside the roster may not', (action) => {
    expect(may(root, action).allowed).toBe(true);
    expect(may(system, action).allowed).toBe(true);
    expect(may(unknown, action)).toEqual({ allowed: false, reason: expect.stringMatching(action === 'daemon' ? /root or the service/ : /mallory is not an active officer/) });
  });
});

describe('may(actor, recording.read, subject) — scope', () => {
  const own = { badge: 'A00001', unit: 'EAST' };
  const colleague = { badge: 'A00002', unit: 'EAST' };
  const subUnit = { badge: 'A00003', unit: 'EAST1' };
  const otherUnit = { badge: 'A00004', unit: 'WEST' };
  const nobody = { badge: null, unit: 'EAST' };
  const cases: [string, Actor, typeof own, boolean][] = [
    ['officer, own', person(['officer']), own, true],
    ['officer, colleague', person(['officer']), colleague, false],
    ['officer, no officer', person(['officer']), nobody, false],
    ['custodian, own unit', person(['custodian']), colleague, true],
    ['custodian, sub-unit', person(['custodian']), subUnit, false],
    ['custodian, other unit', person(['custodian']), otherUnit, false],
    ['head, own unit', person(['head']), colleague, true],
    ['head, sub-unit', person(['head']), subUnit, true],
    ['head, sibling unit', person(['head']), otherUnit, false],
    ['head of the city, every unit', person(['head'], 'CITY'), otherUnit, true],
    ['officer+custodian, own unit', person(['officer', 'custodian']), colleague, true],
    ['admin, anything', person(['admin'], 'WEST'), subUnit, true],
    ['root', root, otherUnit, true],
  ];
  it.each(cases)('%s', (_n, actor, subject, expected) => {
    const d = may(actor, 'recording.read', subject, units);
    expect(d.allowed).toBe(expected);
    if (!expected) expect(d.reason).toMatch(/may see only/);
  });
});
