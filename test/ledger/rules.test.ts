// The ledger's pure rules, table-driven at their boundaries: lifecycle steps (allowed and refused,
// naming what is allowed), the holder at a moment (a handover exactly at a recording's start, two
// handovers at one moment), attribution on the clock-corrected time, handover checks, lending.
import { describe, expect, it } from 'vitest';
import {
  allowedFrom, attribute, checkHandover, dockedAway, holderAt, lendingOf, parseDate, parsePrice, transition,
  type DeviceStatus, type Handover, type LifecycleAction,
} from '../../src/ledger/rules.js';

const T = (s: string) => Date.parse(s);

describe('lifecycle transitions', () => {
  const cases: [DeviceStatus, LifecycleAction, DeviceStatus | RegExp][] = [
    ['inService', 'fault', 'faulty'],
    ['faulty', 'repair-sent', 'inRepair'],
    ['damaged', 'repair-sent', 'inRepair'],
    ['inRepair', 'repair-back', 'inService'],
    ['inService', 'lost', 'lost'],
    ['inRepair', 'lost', 'lost'],
    ['inService', 'damaged', 'damaged'],
    ['faulty', 'damaged', 'damaged'],
    ['lost', 'retire', 'retired'],
    ['inService', 'retire', 'retired'],
    ['inService', 'repair-back', /camera CAM0001 is inService: `device repair --back` needs inRepair; allowed now: `device fault`, `device lost`, `device damaged`, `device retire`/],
    ['faulty', 'fault', /needs inService; allowed now: `device repair --sent`, `device lost`, `device damaged`, `device retire`/],
    ['inRepair', 'damaged', /needs inService or faulty; allowed now: `device repair --back`, `device lost`, `device retire`/],
    ['lost', 'repair-sent', /allowed now: `device retire`$/],
    ['retired', 'fault', /camera CAM0001 is retired: .* nothing more may be done to it/],
    ['retired', 'retire', /nothing more may be done/],
  ];
  it.each(cases)('%s + %s → %s', (from, action, expected) => {
    const r = transition('CAM0001', from, action);
    if (typeof expected === 'string') expect(r).toEqual({ ok: true, value: expected });
    else { expect(r.ok).toBe(false); expect((r as { why: string }).why).toMatch(expected); }
  });
  it('every status but retired has a way on', () => {
    expect(allowedFrom('retired')).toEqual([]);
    for (const s of ['inService', 'faulty', 'inRepair', 'lost', 'damaged'] as const) expect(allowedFrom(s).length).toBeGreaterThan(0);
  });
});

describe('holder at a moment', () => {
  const h: Handover[] = [
    { id: 1, badge: 'A00001', atMs: 0 },                              // the roster's holder, since ever
    { id: 2, badge: null, atMs: T('2026-11-10T00:00:00Z') },          // returned …
    { id: 3, badge: 'A00002', atMs: T('2026-11-10T00:00:00Z') },      // … and handed on at the same moment
    { id: 4, badge: null, atMs: T('2026-11-12T08:00:00Z') },
  ];
  const cases: [string, string | null][] = [
    ['2025-01-01T00:00:00Z', 'A00001'],
    ['2026-11-09T23:59:59.999Z', 'A00001'],
    ['2026-11-10T00:00:00Z', 'A00002'],   // exactly at the handover: the new holder; the tie goes to the later entry
    ['2026-11-12T07:59:59Z', 'A00002'],
    ['2026-11-12T08:00:00Z', null],
    ['2027-01-01T00:00:00Z', null],
  ];
  it.each(cases)('at %s → %s', (t, b) => expect(holderAt(h, T(t))).toBe(b));
  it('nothing before the first handover', () => expect(holderAt([{ id: 1, badge: 'A00001', atMs: T('2026-11-01T00:00:00Z') }], T('2026-10-31T23:59:59Z'))).toBeNull());

  const rec = (start: string, offset: number | null, corrected: string | null = null) => ({
    recordedStart: start, recordedEnd: null, correctedStart: corrected, correctedEnd: null, clockOffsetS: offset, durationS: 60,
  });
  const attribution: [string, ReturnType<typeof rec>, string | null][] = [
    ['raw start just before the handover', rec('2026-11-09T23:59:59Z', null), 'A00001'],
    ['raw start after, camera 60 s fast: corrected before', rec('2026-11-10T00:00:30Z', 60), 'A00001'],
    ['raw start before, camera 60 s slow: corrected after', rec('2026-11-09T23:59:30Z', -60), 'A00002'],
    ['stored correction wins over the offset', rec('2026-11-10T00:00:30Z', 60, '2026-11-10T00:00:10Z'), 'A00002'],
    ['explicit zone in the raw time', rec('2026-11-10T07:59:00+08:00', null), 'A00001'],
  ];
  it.each(attribution)('%s', (_, r, b) => expect(attribute(h, r)).toBe(b));
});

describe('handover checks', () => {
  const now = T('2026-11-20T00:00:00Z');
  const held: Handover[] = [{ id: 1, badge: 'A00001', atMs: T('2026-11-01T00:00:00Z') }];
  const free: Handover[] = [...held, { id: 2, badge: null, atMs: T('2026-11-05T00:00:00Z') }];
  const cases: [string, Handover[], Parameters<typeof checkHandover>[1], string | RegExp][] = [
    ['assign a free camera', free, { serial: 'C', kind: 'assign', badge: 'A00002', atMs: T('2026-11-06T00:00:00Z'), nowMs: now, status: 'inService' }, 'A00002'],
    ['assign at the moment of the return', free, { serial: 'C', kind: 'assign', badge: 'A00002', atMs: T('2026-11-05T00:00:00Z'), nowMs: now, status: 'inService' }, 'A00002'],
    ['assign a held camera', held, { serial: 'C', kind: 'assign', badge: 'A00002', atMs: now, nowMs: now, status: 'inService' }, /held by A00001: `device return C` first/],
    ['assign to its holder', held, { serial: 'C', kind: 'assign', badge: 'A00001', atMs: now, nowMs: now, status: 'inService' }, /already held by A00001/],
    ['assign a faulty camera', free, { serial: 'C', kind: 'assign', badge: 'A00002', atMs: now, nowMs: now, status: 'faulty' }, /is faulty: only a camera in service/],
    ['before the last handover', free, { serial: 'C', kind: 'assign', badge: 'A00002', atMs: T('2026-11-04T23:59:59Z'), nowMs: now, status: 'inService' }, /handover at 2026-11-05T00:00:00.000Z, after --at/],
    ['in the future', free, { serial: 'C', kind: 'assign', badge: 'A00002', atMs: now + 61_000, nowMs: now, status: 'inService' }, /in the future/],
    ['within the clock tolerance', free, { serial: 'C', kind: 'assign', badge: 'A00002', atMs: now + 60_000, nowMs: now, status: 'inService' }, 'A00002'],
    ['return a held camera', held, { serial: 'C', kind: 'return', atMs: now, nowMs: now, status: 'faulty' }, 'null'],
    ['return a free camera', free, { serial: 'C', kind: 'return', atMs: now, nowMs: now, status: 'inService' }, /no holder to return/],
    ['first assignment', [], { serial: 'C', kind: 'assign', badge: 'A00002', atMs: now, nowMs: now, status: 'inService' }, 'A00002'],
  ];
  it.each(cases)('%s', (_, hist, req, expected) => {
    const r = checkHandover(hist, req);
    if (typeof expected === 'string') expect(r).toEqual({ ok: true, value: { badge: expected === 'null' ? null : expected } });
    else { expect(r.ok).toBe(false); expect((r as { why: string }).why).toMatch(expected); }
  });
});

describe('lending (art. 18(6))', () => {
  const cases: [string, Parameters<typeof lendingOf>[0], ReturnType<typeof lendingOf>][] = [
    ['holder records', { inLedger: true, reported: 'A00001', holder: 'A00001', dockHolder: 'A00001' }, null],
    ['camera reports nothing', { inLedger: true, reported: null, holder: 'A00001', dockHolder: null }, null],
    ['no holder at that time', { inLedger: true, reported: null, holder: null, dockHolder: null }, 'no-holder'],
    ['no holder, a badge reported', { inLedger: true, reported: 'A00002', holder: null, dockHolder: 'A00002' }, 'no-holder'],
    ['another badge than the holder', { inLedger: true, reported: 'A00002', holder: 'A00001', dockHolder: 'A00001' }, 'badge-mismatch'],
    ['the dock-time holder written beside a silent camera', { inLedger: true, reported: 'A00002', holder: 'A00001', dockHolder: 'A00002' }, null],
    ['a camera outside the ledger', { inLedger: false, reported: 'A00002', holder: null, dockHolder: null }, null],
  ];
  it.each(cases)('%s', (_, r, k) => expect(lendingOf(r)).toBe(k));

  const parents = new Map<string, string | null>([['CITY', null], ['EAST', 'CITY'], ['EAST1', 'EAST'], ['OTHER', null]]);
  const units: [string | null, string, boolean][] = [
    ['CITY', 'CITY', false], ['EAST1', 'CITY', false], ['OTHER', 'CITY', true], ['CITY', 'EAST', true], [null, 'CITY', false], ['GONE', 'CITY', true],
  ];
  it.each(units)('a camera of %s docked at a station of %s: away %s', (d, s, away) => expect(dockedAway(d, s, parents)).toBe(away));
});

describe('prices and dates', () => {
  it.each([['1280', 128000], ['1280.5', 128050], ['1280.05', 128005], ['0', 0]] as const)('price %s → %i fen', (t, c) => expect(parsePrice(t)).toEqual({ ok: true, value: c }));
  it.each(['-1', '1.234', 'abc', '', '1e3'])('price %s refused', (t) => expect(parsePrice(t).ok).toBe(false));
  it.each([['2025-03-18', true], ['2025-02-30', false], ['2025-3-18', false]] as const)('date %s ok %s', (t, ok) => expect(parseDate(t).ok).toBe(ok));
});
