// Pure rules of the object upstream, table-driven: the lock an object carries, lock changes (never
// shorter), backoff, outage vs item errors, pacing to maxMBps, and the pruning verdict.
import { describe, expect, it } from 'vitest';
import {
  Pacer, backoffMs, errorKind, lockChange, lockTarget, outageBackoffMs, pruneVerdict, putRetainUntil,
  type LockSubject, type LockTarget, type UpstreamCheck,
} from '../../src/upstream/objects/rules.js';

const base = { recordedAt: '2026-11-26T08:00:00.000Z', ingestedAt: '2026-11-26T10:00:00.000Z', held: false, verifiedDisc: false };
const sub = (x: Partial<LockSubject>): LockSubject => ({ ...base, category: 'routine', keepUntil: '2027-02-26T10:00:00.000Z', ...x });

describe('lockTarget', () => {
  const cases: [string, LockSubject[], Partial<LockTarget>][] = [
    ['routine: its floor, no hold', [sub({})], { retainUntil: '2027-02-26T10:00:00.000Z', legalHold: false }],
    ['two recordings: the later floor wins', [sub({}), sub({ category: 'other', keepUntil: '2027-12-01T00:00:00.000Z' })],
      { retainUntil: '2027-12-01T00:00:00.000Z', legalHold: false }],
    ['major (open-ended): 6 months from the later of recorded/ingested, legal hold', [sub({ category: 'major', keepUntil: null })],
      { retainUntil: '2027-05-26T10:00:00.000Z', legalHold: true, why: 'legal hold: major' }],
    ['held routine: floor and legal hold', [sub({ held: true })], { retainUntil: '2027-02-26T10:00:00.000Z', legalHold: true, why: 'legal hold: held' }],
    ['open case: legal hold', [sub({ category: 'case', keepUntil: null })], { retainUntil: '2027-05-26T10:00:00.000Z', legalHold: true }],
    ['camera clock in the past: the ingest time is the basis', [sub({ recordedAt: '2020-01-01T00:00:00.000Z', category: 'major', keepUntil: null })],
      { retainUntil: '2027-05-26T10:00:00.000Z' }],
    ['a longer period in the YAML counts', [sub({ category: 'case', keepUntil: null })], { retainUntil: '2027-11-26T10:00:00.000Z' }],
  ];
  it.each(cases)('%s', (name, subjects, want) => {
    const periods = name.startsWith('a longer') ? { caseMinMonths: 12 } : {};
    expect(lockTarget(subjects, '2026-11-26T10:00:00.000Z', periods, '+00:00')).toMatchObject(want);
  });
  it('no recording (a case document): 6 months from storage', () => {
    expect(lockTarget([], '2026-11-26T10:00:00.000Z', {}, '+00:00')).toMatchObject({ retainUntil: '2027-05-26T10:00:00.000Z', legalHold: false });
  });
});

describe('putRetainUntil and lockChange', () => {
  const t = (retainUntil: string, legalHold = false): LockTarget => ({ retainUntil, legalHold, why: '' });
  it.each([
    ['floor in the future: as is', '2027-01-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2027-01-01T00:00:00.000Z'],
    ['floor passed: one day from now', '2026-11-01T00:00:00.000Z', '2026-12-01T00:00:00.000Z', '2026-12-02T00:00:00.000Z'],
  ])('%s', (_n, floor, now, want) => expect(putRetainUntil(t(floor), now)).toBe(want));
  it.each([
    ['same', { retainUntil: '2027-01-01T00:00:00.000Z', legalHold: false }, t('2027-01-01T00:00:00.000Z'), { retainUntil: null, legalHold: null }],
    ['longer: extend', { retainUntil: '2027-01-01T00:00:00.000Z', legalHold: false }, t('2027-06-01T00:00:00.000Z'), { retainUntil: '2027-06-01T00:00:00.000Z', legalHold: null }],
    ['shorter: never', { retainUntil: '2027-06-01T00:00:00.000Z', legalHold: false }, t('2027-01-01T00:00:00.000Z'), { retainUntil: null, legalHold: null }],
    ['hold due', { retainUntil: '2027-01-01T00:00:00.000Z', legalHold: false }, t('2027-01-01T00:00:00.000Z', true), { retainUntil: null, legalHold: true }],
    ['hold released', { retainUntil: '2027-01-01T00:00:00.000Z', legalHold: true }, t('2027-01-01T00:00:00.000Z'), { retainUntil: null, legalHold: false }],
  ])('%s', (_n, bucket, target, want) => expect(lockChange(bucket, target)).toEqual(want));
});

describe('backoff and error kinds', () => {
  it.each([[1, 30_000], [2, 60_000], [3, 120_000], [7, 1_920_000], [8, 3_600_000], [20, 3_600_000]])('item attempt %i waits %i ms', (n, ms) => {
    expect(backoffMs(n)).toBe(ms);
  });
  it.each([[1, 2_000], [2, 4_000], [9, 300_000]])('outage %i waits %i ms', (n, ms) => expect(outageBackoffMs(n)).toBe(ms));
  it.each([
    [{ code: 'ECONNREFUSED' }, 'outage'], [{ code: 'ECONNRESET' }, 'outage'], [{ status: 503 }, 'outage'], [{ status: 500 }, 'outage'],
    [{ status: 429 }, 'outage'], [{ name: 'TimeoutError' }, 'outage'], [{ message: 'socket hang up' }, 'outage'],
    [{ status: 403, name: 'AccessDenied' }, 'item'], [{ status: 400, name: 'BadDigest' }, 'item'], [{ status: 404 }, 'item'], [{}, 'item'],
  ] as const)('%o → %s', (e, want) => expect(errorKind(e)).toBe(want));
});

describe('Pacer', () => {
  const rate = 1_000_000; // bytes/s
  it.each([
    // [chunks as [bytes, at ms], waits]
    ['the first second of bytes goes at once', [[500_000, 0], [500_000, 0]], [0, 0]],
    ['beyond it: wait for the rate', [[1_000_000, 0], [1_000_000, 0], [500_000, 0]], [0, 1000, 1500]],
    ['sending at the rate: no wait', [[1_000_000, 0], [1_000_000, 1000], [1_000_000, 2000]], [0, 0, 0]],
    ['an idle gap banks no more than one second', [[1_000_000, 0], [3_000_000, 60_000]], [0, 2000]],
  ] as [string, [number, number][], number[]][])('%s', (_n, chunks, waits) => {
    const p = new Pacer(rate);
    expect(chunks.map(([b, at]) => Math.round(p.take(b, at)))).toEqual(waits);
  });
  it('refuses a rate of 0', () => expect(() => new Pacer(0)).toThrow(/positive/));
});

describe('pruneVerdict', () => {
  const sha = 'a'.repeat(64);
  const good: UpstreamCheck = { mode: 'COMPLIANCE', retainUntil: '2027-03-01T00:00:00.000Z', legalHold: false, metaSha256: sha, size: 10, rehash: sha };
  const target: LockTarget = { retainUntil: '2027-02-26T10:00:00.000Z', legalHold: false, why: '' };
  it.each([
    ['all good', {}, [sub({})], target, { ok: true }],
    ['governance only', { mode: 'GOVERNANCE' }, [sub({})], target, { ok: false, why: 'bucket lock is GOVERNANCE, not COMPLIANCE' }],
    ['no lock', { mode: undefined, retainUntil: undefined }, [sub({})], target, { ok: false, why: 'bucket lock is absent, not COMPLIANCE' }],
    ['retained shorter than the floor', { retainUntil: '2027-01-01T00:00:00.000Z' }, [sub({})], target,
      { ok: false, why: 'bucket retains until 2027-01-01T00:00:00.000Z, before the floor 2027-02-26T10:00:00.000Z' }],
    ['hold due, not set', {}, [sub({})], { ...target, legalHold: true }, { ok: false, why: 'legal hold due but not set in the bucket' }],
    ['read back differs', { rehash: 'b'.repeat(64) }, [sub({})], target, { ok: false, why: `bytes read back hash to ${'b'.repeat(64)}, not the key` }],
    ['metadata differs', { metaSha256: undefined }, [sub({})], target, { ok: false, why: 'bucket metadata sha256 is absent' }],
    ['size differs', { size: 9 }, [sub({})], target, { ok: false, why: 'bucket size 9 differs from 10' }],
    ['held', { legalHold: true }, [sub({ held: true })], { ...target, legalHold: true }, { ok: false, why: 'a held recording keeps its local copy' }],
    ['major without a verified disc', { legalHold: true }, [sub({ category: 'major', keepUntil: null })], { ...target, legalHold: true },
      { ok: false, why: 'major recording without a verified disc' }],
    ['major with a verified disc', { legalHold: true }, [sub({ category: 'major', keepUntil: null, verifiedDisc: true })], { ...target, legalHold: true }, { ok: true }],
  ] as [string, Partial<UpstreamCheck>, LockSubject[], LockTarget, unknown][])('%s', (_n, up, subjects, tgt, want) => {
    expect(pruneVerdict(sha, 10, { ...good, ...up }, tgt, subjects)).toEqual(want);
  });
});
