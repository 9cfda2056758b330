// The compliance rules at their boundaries: lateness exactly at the deadline, clock offsets applied,
// explicit time zones; gaps exactly at the tolerance and at the activity limit; voice notes; not-docked.
import { describe, expect, it } from 'vitest';
import { detectGaps, equipmentFlags, lateness, notDocked, repeatDue, voiceNoteFits, type Segment, type TimedRecording } from '../../src/compliance/rules.js';

const rec = (o: Partial<TimedRecording> & { recordedStart: string }): TimedRecording => ({
  recordedEnd: null, correctedStart: null, correctedEnd: null, clockOffsetS: null, durationS: null, ...o,
});

describe('lateness (art. 14(1))', () => {
  const cases: [string, TimedRecording & { ingestedAt: string }, number, boolean, number][] = [
    ['exactly 24 h after the end: on time', { ...rec({ recordedStart: '2026-11-28T08:00:00Z', recordedEnd: '2026-11-28T09:00:00Z' }), ingestedAt: '2026-11-29T09:00:00Z' }, 24, false, 86_400],
    ['one second past 24 h: late', { ...rec({ recordedStart: '2026-11-28T08:00:00Z', recordedEnd: '2026-11-28T09:00:00Z' }), ingestedAt: '2026-11-29T09:00:01Z' }, 24, true, 86_401],
    ['end unknown: start + duration', { ...rec({ recordedStart: '2026-11-28T08:00:00Z', durationS: 3600 }), ingestedAt: '2026-11-29T09:00:01Z' }, 24, true, 86_401],
    ['end unknown, start + duration exactly at the deadline', { ...rec({ recordedStart: '2026-11-28T08:00:00Z', durationS: 3600 }), ingestedAt: '2026-11-29T09:00:00Z' }, 24, false, 86_400],
    ['explicit +08:00 zone on both sides', { ...rec({ recordedStart: '2026-11-28T16:00:00+08:00', recordedEnd: '2026-11-28T17:00:00+08:00' }), ingestedAt: '2026-11-29T09:00:00Z' }, 24, false, 86_400],
    ['zone mix: −05:00 end, +08:00 ingest, 1 s late', { ...rec({ recordedStart: '2026-11-28T03:00:00-05:00', recordedEnd: '2026-11-28T04:00:00-05:00' }), ingestedAt: '2026-11-29T17:00:01+08:00' }, 24, true, 86_401],
    ['stored corrected end wins over the raw end', { ...rec({ recordedStart: '2026-11-28T08:00:00Z', recordedEnd: '2026-11-28T09:00:00Z', correctedEnd: '2026-11-28T08:59:00Z', clockOffsetS: 60 }), ingestedAt: '2026-11-29T09:00:00Z' }, 24, true, 86_460],
    ['camera clock 10 min fast (offset applied to the raw end): on time', { ...rec({ recordedStart: '2026-11-28T08:10:00Z', recordedEnd: '2026-11-28T09:10:00Z', clockOffsetS: 600 }), ingestedAt: '2026-11-29T09:00:00Z' }, 24, false, 86_400],
    ['camera clock 10 min slow: on time once corrected (raw, 24 h 10 min)', { ...rec({ recordedStart: '2026-11-28T07:50:00Z', recordedEnd: '2026-11-28T08:50:00Z', clockOffsetS: -600 }), ingestedAt: '2026-11-29T09:00:00Z' }, 24, false, 86_400],
    ['camera clock 10 min fast: late once corrected (raw, exactly 24 h)', { ...rec({ recordedStart: '2026-11-28T08:00:00Z', recordedEnd: '2026-11-28T09:00:00Z', clockOffsetS: 600 }), ingestedAt: '2026-11-29T09:00:00Z' }, 24, true, 87_000],
    ['offset applied to start + duration', { ...rec({ recordedStart: '2026-11-28T08:10:00Z', durationS: 3000, clockOffsetS: 600 }), ingestedAt: '2026-11-29T08:50:00Z' }, 24, false, 86_400],
    ['a photo (no duration): its start', { ...rec({ recordedStart: '2026-11-28T09:00:00Z' }), ingestedAt: '2026-11-30T09:00:00Z' }, 24, true, 172_800],
    ['deadline 48 h: two days exactly is on time', { ...rec({ recordedStart: '2026-11-28T09:00:00Z' }), ingestedAt: '2026-11-30T09:00:00Z' }, 48, false, 172_800],
  ];
  it.each(cases)('%s', (_name, r, deadline, late, delay) => {
    const l = lateness(r, deadline);
    expect(l.late).toBe(late);
    expect(l.delaySeconds).toBe(delay);
  });
  it('names the field holding a bad time', () => {
    expect(() => lateness({ ...rec({ recordedStart: 'yesterday' }), ingestedAt: '2026-11-29T09:00:00Z' }, 24)).toThrow(/recordedStart: not a time: yesterday/);
  });
});

const seg = (id: number, start: string, durationS: number, extra: Partial<Segment> = {}): Segment => ({ id, ...rec({ recordedStart: start, durationS }), ...extra });
const rules = { activityGapMinutes: 30, segmentToleranceSeconds: 5 };

describe('detectGaps (art. 9)', () => {
  const cases: [string, Segment[], { before: number; after: number; seconds: number }[]][] = [
    ['back to back: none', [seg(1, '2026-11-28T08:00:00Z', 60), seg(2, '2026-11-28T08:01:00Z', 60)], []],
    ['gap exactly at the tolerance (5 s): none', [seg(1, '2026-11-28T08:00:00Z', 60), seg(2, '2026-11-28T08:01:05Z', 60)], []],
    ['gap 6 s: an interruption', [seg(1, '2026-11-28T08:00:00Z', 60), seg(2, '2026-11-28T08:01:06Z', 60)], [{ before: 1, after: 2, seconds: 6 }]],
    ['gap 5.001 s: an interruption', [seg(1, '2026-11-28T08:00:00Z', 60), seg(2, '2026-11-28T08:01:05.001Z', 60)], [{ before: 1, after: 2, seconds: 5.001 }]],
    ['gap just under 30 min: still one activity', [seg(1, '2026-11-28T08:00:00Z', 60), seg(2, '2026-11-28T08:30:59.999Z', 60)], [{ before: 1, after: 2, seconds: 1799.999 }]],
    ['gap exactly 30 min: a new activity', [seg(1, '2026-11-28T08:00:00Z', 60), seg(2, '2026-11-28T08:31:00Z', 60)], []],
    ['overlap: none', [seg(1, '2026-11-28T08:00:00Z', 60), seg(2, '2026-11-28T08:00:30Z', 60)], []],
    ['out of order input is sorted', [seg(2, '2026-11-28T08:02:00Z', 60), seg(1, '2026-11-28T08:00:00Z', 60)], [{ before: 1, after: 2, seconds: 60 }]],
    ['zones: +08:00 and Z compared as instants', [seg(1, '2026-11-28T16:00:00+08:00', 60), seg(2, '2026-11-28T08:01:10Z', 60)], [{ before: 1, after: 2, seconds: 10 }]],
    ['clock offset of each segment applied', [seg(1, '2026-11-28T08:00:00Z', 60, { clockOffsetS: 0 }), seg(2, '2026-11-28T08:01:30Z', 60, { clockOffsetS: 30 })], []],
    ['recorded end used when known', [seg(1, '2026-11-28T08:00:00Z', 0, { recordedEnd: '2026-11-28T08:01:00Z', durationS: null }), seg(2, '2026-11-28T08:01:20Z', 60)], [{ before: 1, after: 2, seconds: 20 }]],
  ];
  it.each(cases)('%s', (_name, segments, expected) => {
    expect(detectGaps(segments, rules).map((g) => ({ before: g.beforeRecording, after: g.afterRecording, seconds: g.gapSeconds }))).toEqual(expected);
  });
  it('gives the gap in UTC instants', () => {
    const [g] = detectGaps([seg(1, '2026-11-28T16:00:00+08:00', 60), seg(2, '2026-11-28T16:02:00+08:00', 60)], rules);
    expect(g).toMatchObject({ gapStart: '2026-11-28T08:01:00.000Z', gapEnd: '2026-11-28T08:02:00.000Z', gapSeconds: 60 });
  });
});

describe('voiceNoteFits', () => {
  const gap = { device: 'CAM0001', gapEnd: '2026-11-28T08:02:00Z' };
  const note = (start: string, device = 'CAM0001') => ({ ...rec({ recordedStart: start }), device });
  const cases: [string, ReturnType<typeof note>, boolean, RegExp?][] = [
    ['starts at the gap end', note('2026-11-28T08:02:00Z'), true],
    ['starts exactly at the limit', note('2026-11-28T08:04:00Z'), true],
    ['one second too late', note('2026-11-28T08:04:01Z'), false, /more than rules.voiceExplanationSeconds \(120\)/],
    ['before the gap ends', note('2026-11-28T08:01:59Z'), false, /before the gap ends/],
    ['another camera', note('2026-11-28T08:02:00Z', 'CAM0002'), false, /from camera CAM0002/],
  ];
  it.each(cases)('%s', (_n, r, ok, why) => {
    const f = voiceNoteFits(gap, r, 120);
    expect(f.ok).toBe(ok);
    if (!f.ok && why) expect(f.why).toMatch(why);
  });
});

describe('notDocked and its daily repeat', () => {
  const now = '2026-11-30T09:00:00Z';
  it.each([
    ['docked exactly 24 h ago: not yet', { lastDock: '2026-11-29T09:00:00Z', since: null }, false],
    ['docked 24 h + 1 s ago', { lastDock: '2026-11-29T08:59:59Z', since: null }, true],
    ['handed over 30 h ago, never docked', { lastDock: null, since: '2026-11-29T03:00:00Z' }, true],
    ['docked long ago but handed over 2 h ago', { lastDock: '2026-11-01T00:00:00Z', since: '2026-11-30T07:00:00Z' }, false],
    ['never docked, no handover time: nothing to count from', { lastDock: null, since: null }, false],
  ] as const)('%s', (_n, h, expected) => {
    expect(notDocked([{ serial: 'CAM0001', badge: 'A00001', ...h }], now, 24).length > 0).toBe(expected);
  });
  it.each([
    [null, true], ['2026-11-29T09:00:00Z', true], ['2026-11-29T09:00:01Z', false], ['2026-11-30T08:00:00Z', false],
  ] as const)('repeatDue(lastSeen %s) → %s', (last, due) => {
    expect(repeatDue(last, now, 24)).toBe(due);
  });
});

describe('equipmentFlags (art. 10 at dock)', () => {
  const limits = { lowBatteryPercent: 20, cameraStorageFullPercent: 90 };
  const gb = 1e9;
  it.each([
    ['battery 20 %: fine', 20, null, true, []],
    ['battery 19 %: low', 19, null, true, ['low-battery']],
    ['battery unknown', null, null, true, []],
    ['storage 90 % of the camera: full', 80, { totalBytes: 10 * gb, usedBytes: 9 * gb }, true, ['camera-storage-full']],
    ['storage 89.9 %: fine', 80, { totalBytes: 1000, usedBytes: 899 }, true, []],
    ['storage full but a plain directory on the host disk: not the camera', 80, { totalBytes: 10 * gb, usedBytes: 10 * gb }, false, []],
    ['both', 5, { totalBytes: 100, usedBytes: 100 }, true, ['low-battery', 'camera-storage-full']],
  ] as const)('%s', (_n, batteryPct, storage, storageIsCamera, kinds) => {
    expect(equipmentFlags({ batteryPct, storage, storageIsCamera }, limits).map((f) => f.kind)).toEqual(kinds);
  });
});
