import { describe, expect, it } from 'vitest';
import { addMonths, startOfDayAfter } from '../../src/retention/dates.js';
import { parseImportance, retentionFor, shortens, withFloors, type RetentionSubject } from '../../src/retention/rules.js';
import { planEntry, purgeDate, runAction, type PlanFacts } from '../../src/retention/plan.js';

describe('addMonths: calendar months in the unit time zone, clamped to month ends', () => {
  it.each([
    // from (UTC ISO), months, zone, expected (UTC ISO)
    ['2026-01-15T02:00:00.000Z', 3, '+00:00', '2026-04-15T02:00:00.000Z'],
    ['2026-11-30T04:00:00.000Z', 3, '+08:00', '2027-02-28T04:00:00.000Z'], // 30 Nov → 28 Feb
    ['2027-11-30T04:00:00.000Z', 3, '+08:00', '2028-02-29T04:00:00.000Z'], // leap year → 29 Feb
    ['2027-08-31T04:00:00.000Z', 6, '+08:00', '2028-02-29T04:00:00.000Z'],
    ['2028-02-29T04:00:00.000Z', 12, '+08:00', '2029-02-28T04:00:00.000Z'], // leap day + 1 year
    ['2026-03-31T04:00:00.000Z', 3, '+08:00', '2026-06-30T04:00:00.000Z'],
    ['2026-12-31T04:00:00.000Z', 2, '+08:00', '2027-02-28T04:00:00.000Z'], // across the year end
    // 2026-01-31 20:00 UTC is 1 Feb 04:00 in +08:00: the rule counts from 1 Feb there …
    ['2026-01-31T20:00:00.000Z', 1, '+08:00', '2026-02-28T20:00:00.000Z'],
    // … but from 31 Jan in UTC (clamped to 28 Feb)
    ['2026-01-31T20:00:00.000Z', 1, '+00:00', '2026-02-28T20:00:00.000Z'],
    // 30 Apr 20:00 UTC is 1 May in +08:00: + 1 month = 1 Jun local; in UTC 30 Apr + 1 = 30 May
    ['2026-04-30T20:00:00.000Z', 1, '+08:00', '2026-05-31T20:00:00.000Z'],
    ['2026-04-30T20:00:00.000Z', 1, '+00:00', '2026-05-30T20:00:00.000Z'],
    ['2026-05-31T23:30:00.000Z', 3, '-05:00', '2026-08-31T23:30:00.000Z'], // local 31 May 18:30 → 31 Aug
  ])('%s + %i months in %s = %s', (from, n, zone, want) => {
    expect(addMonths(from, n, zone)).toBe(want);
  });

  it('refuses a bad zone and a fractional month', () => {
    expect(() => addMonths('2026-01-01T00:00:00Z', 3, 'Asia/Shanghai')).toThrow(/timezone/);
    expect(() => addMonths('2026-01-01T00:00:00Z', 1.5, '+08:00')).toThrow(/whole number/);
  });

  it.each([
    ['2027-06-30', '+08:00', '2027-06-30T16:00:00.000Z'],
    ['2028-02-29', '+00:00', '2028-03-01T00:00:00.000Z'],
  ])('--until %s in %s keeps through that day (ends %s)', (d, zone, want) => {
    expect(startOfDayAfter(d, zone)).toBe(want);
  });
  it('--until refuses a day that does not exist', () => expect(() => startOfDayAfter('2027-02-29', '+08:00')).toThrow(/not a date/));
});

const rec = (over: Partial<RetentionSubject> = {}): RetentionSubject => ({
  recordedAt: '2026-11-30T02:00:00.000Z', ingestedAt: '2026-11-30T10:00:00.000Z', category: 'routine', until: null, cases: [], ...over,
});
const Z = '+08:00';

describe('retentionFor: the regulation floors (art. 14(2))', () => {
  it.each<[string, Partial<RetentionSubject>, string | null, RegExp]>([
    ['routine: 3 months from when it entered custody', {}, '2027-02-28T10:00:00.000Z', /^routine/],
    ['routine: a camera clock far in the past does not shorten it', { recordedAt: '2000-01-01T00:00:00.000Z' }, '2027-02-28T10:00:00.000Z', /^routine/],
    ['major: never by itself', { category: 'major' }, null, /^major/],
    ['other: the decided date when later than the floor', { category: 'other', until: '2027-12-31T16:00:00.000Z' }, '2027-12-31T16:00:00.000Z', /decided/],
    ['other: never below 3 months', { category: 'other', until: '2026-12-01T00:00:00.000Z' }, '2027-02-28T10:00:00.000Z', /at least 3 months/],
    ['case: open → kept while open', { category: 'case', cases: [{ no: 'C1', openedAt: '2026-11-01T00:00:00Z', closedAt: null }] }, null, /C1 open/],
    ['case: closed early → 6 months from recording', { category: 'case', cases: [{ no: 'C1', openedAt: '2026-11-01T00:00:00Z', closedAt: '2026-12-01T00:00:00.000Z' }] },
      '2027-05-30T10:00:00.000Z', /at least 6 months/],
    ['case: closed late → closed + 3 months', { category: 'case', cases: [{ no: 'C1', openedAt: '2026-11-01T00:00:00Z', closedAt: '2027-05-31T02:00:00.000Z' }] },
      '2027-08-31T02:00:00.000Z', /C1 closed \+ 3 months/],
    ['case: two cases, one reopened (open) → kept', { category: 'case', cases: [
      { no: 'C1', openedAt: '2026-11-01T00:00:00Z', closedAt: '2027-05-31T02:00:00.000Z' }, { no: 'C2', openedAt: '2026-11-01T00:00:00Z', closedAt: null }] }, null, /C2 open/],
    ['case: the later closing of two wins', { category: 'case', cases: [
      { no: 'C1', openedAt: '2026-11-01T00:00:00Z', closedAt: '2027-05-31T02:00:00.000Z' }, { no: 'C2', openedAt: '2026-11-01T00:00:00Z', closedAt: '2027-07-01T02:00:00.000Z' }] },
      '2027-10-01T02:00:00.000Z', /C2 closed/],
    ['routine footage linked to an open case stays with the case', { cases: [{ no: 'C9', openedAt: '2026-11-01T00:00:00Z', closedAt: null }] }, null, /C9 open/],
    ['case category, no case linked → kept', { category: 'case' }, null, /no case linked/],
  ])('%s', (_name, over, keepUntil, rule) => {
    const d = retentionFor(rec(over), {}, Z);
    expect(d.keepUntil).toBe(keepUntil);
    expect(d.rule).toMatch(rule);
  });

  it('periods are never below the floors, whatever is passed in', () => {
    expect(withFloors({ routineMonths: 1, caseMinMonths: 2, caseAfterCloseMonths: 0, otherMinMonths: -4 }))
      .toEqual({ routineMonths: 3, caseAfterCloseMonths: 3, caseMinMonths: 6, otherMinMonths: 3 });
    expect(retentionFor(rec(), { routineMonths: 1 }, Z).keepUntil).toBe('2027-02-28T10:00:00.000Z');
    expect(retentionFor(rec(), { routineMonths: 12 }, Z).keepUntil).toBe('2027-11-30T10:00:00.000Z');
  });

  it.each<[string | null, string | null, boolean]>([
    [null, '2027-01-01T00:00:00Z', true], // major/open case → a date: shorter
    ['2027-01-01T00:00:00Z', null, false],
    ['2027-01-01T00:00:00Z', '2026-12-31T23:59:59Z', true],
    ['2027-01-01T00:00:00Z', '2027-01-01T00:00:00Z', false],
    ['2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z', false],
  ])('shortens(%s → %s) = %s', (a, b, want) => expect(shortens(a, b)).toBe(want));

  it.each([['普通', 0], ['0', 0], ['3', 3], ['5级', 5], ['1级重要', 1], ['6', undefined], ['x', undefined]])('importance %s → %s', (v, n) => {
    expect(parseImportance(v)).toBe(n);
  });
});

const facts = (over: Partial<PlanFacts> = {}): PlanFacts => ({
  id: 1, sha256: 'a'.repeat(64), size: 10, recordedAt: '2026-01-10T00:00:00.000Z', ingestedAt: '2026-01-10T08:00:00.000Z',
  cls: undefined, cases: [], holds: [], sharedWith: [], documentsShare: false, discs: [], grace: undefined, ...over,
});
const NOW = '2026-06-01T00:00:00.000Z';

describe('planEntry and runAction', () => {
  it.each<[string, Partial<PlanFacts>, boolean, string[]]>([
    ['routine past 3 months: due', {}, true, []],
    ['routine within 3 months: not due', { ingestedAt: '2026-05-01T00:00:00.000Z', recordedAt: '2026-05-01T00:00:00.000Z' }, false, []],
    ['held: not due', { holds: [{ id: 4, reason: 'complaint' }] }, false, ['hold 4: complaint']],
    ['linked to an open case: not due', { cases: [{ no: 'C1', openedAt: NOW, closedAt: null }] }, false, ['case C1 open']],
    ['major without a disc', { cls: { category: 'major', keepUntil: null } }, false, ['no verified disc']],
    ['major on an unburned image', { cls: { category: 'major', keepUntil: null }, discs: [{ label: 'EVIDOCK_1', verified: false }] }, false,
      ['no verified disc (on image EVIDOCK_1, not burned and verified)']],
    ['shared object: the recording is due, its object is kept', { sharedWith: [7] }, true, ['object shared with live recording 7 (object kept)']],
  ])('%s', (_n, over, due, blockedBy) => {
    const e = planEntry(facts(over), NOW, { zone: '+00:00' });
    expect(e.due).toBe(due);
    expect(e.blockedBy).toEqual(blockedBy);
  });

  it('a run graces what is due, purges after the grace, and releases what is no longer due', () => {
    const due = planEntry(facts(), NOW, { zone: '+00:00' });
    expect(runAction(due, NOW, 7)).toEqual({ kind: 'grace', purgeAfter: '2026-06-08T00:00:00.000Z' });
    const graced = planEntry(facts({ grace: { purgeAfter: '2026-06-08T00:00:00.000Z' } }), NOW, { zone: '+00:00' });
    expect(runAction(graced, NOW, 7)).toEqual({ kind: 'wait' });
    expect(runAction(graced, '2026-06-08T00:00:00.000Z', 7)).toEqual({ kind: 'purge' });
    const heldInGrace = planEntry(facts({ grace: { purgeAfter: '2026-06-08T00:00:00.000Z' }, holds: [{ id: 2, reason: 'appeal' }] }), NOW, { zone: '+00:00' });
    expect(runAction(heldInGrace, '2026-06-09T00:00:00.000Z', 7)).toEqual({ kind: 'ungrace', why: 'hold 2: appeal' });
    expect(purgeDate(due, NOW, 7)).toBe('2026-06-08T00:00:00.000Z');
    expect(purgeDate(heldInGrace, NOW, 7)).toBe('2026-06-08T00:00:00.000Z');
    expect(purgeDate(planEntry(facts({ holds: [{ id: 1, reason: 'x' }] }), NOW, { zone: '+00:00' }), NOW, 7)).toBeNull();
  });
});

import { tombstoneProblems } from '../../src/retention/tombstones.js';
describe('tombstoneProblems', () => {
  const sha = 'b'.repeat(64);
  it.each<[string, Parameters<typeof tombstoneProblems>[0], Parameters<typeof tombstoneProblems>[1], number[], string[]]>([
    ['agreeing', [{ seq: 5, payload: { recordingId: 3, sha256: sha } }], [{ recordingId: 3, sha256: sha, auditSeq: 5 }], [], []],
    ['entry without tombstone', [{ seq: 5, payload: { recordingId: 3, sha256: sha } }], [], [], ['recording 3: purged at seq 5 but has no tombstone']],
    ['tombstone without entry', [], [{ recordingId: 3, sha256: sha, auditSeq: 5 }], [], ['recording 3: tombstone names audit seq 5, which is not a recording.purged entry']],
    ['different hash', [{ seq: 5, payload: { recordingId: 3, sha256: 'c'.repeat(64) } }], [{ recordingId: 3, sha256: sha, auditSeq: 5 }], [],
      ['recording 3: tombstone differs from its audit entry (seq 5)']],
    ['still live', [{ seq: 5, payload: { recordingId: 3, sha256: sha } }], [{ recordingId: 3, sha256: sha, auditSeq: 5 }], [3], ['recording 3: has a tombstone but is still live']],
  ])('%s', (_n, entries, tombs, live, want) => {
    expect(tombstoneProblems(entries, tombs, (id) => live.includes(id))).toEqual(want);
  });
});
