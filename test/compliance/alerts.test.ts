// Alerts deduplicated by kind and subject on a real custody database; the scans raise each problem once.
import { afterEach, describe, expect, it } from 'vitest';
import { openCustody, type Custody } from '../../src/custody/index.js';
import { scanLate, scanNotDocked, scanGaps } from '../../src/compliance/scan.js';
import { DEFAULT_RULES } from '../../src/compliance/rules.js';
import { tempDir, sha } from '../custody/helpers.js';

let cleanup: (() => void) | undefined;
afterEach(() => { cleanup?.(); cleanup = undefined; });

function custodyAt(clock: { t: string }): Custody {
  const t = tempDir();
  cleanup = t.cleanup;
  return openCustody(t.dir, { now: () => new Date(clock.t), osUser: null });
}

describe('raiseAlert deduplicates by kind and subject', () => {
  it('repeats bump last seen and count; other subjects and kinds are separate; an acked alert reopens as a new one', () => {
    const clock = { t: '2026-11-30T08:00:00Z' };
    const c = custodyAt(clock);
    const a = c.raiseAlert({ kind: 'clock-drift', severity: 'warning', deviceSerial: 'CAM0001', message: 'drift 40 s' });
    clock.t = '2026-11-30T09:00:00Z';
    const b = c.raiseAlert({ kind: 'clock-drift', severity: 'critical', deviceSerial: 'CAM0001', message: 'drift 90 s' });
    expect(b).toBe(a);
    clock.t = '2026-11-30T10:00:00Z';
    expect(c.raiseAlert({ kind: 'clock-drift', severity: 'info', deviceSerial: 'CAM0001', message: 'drift 31 s' })).toBe(a);
    const other = c.raiseAlert({ kind: 'clock-drift', severity: 'warning', deviceSerial: 'CAM0002', message: 'drift 40 s' });
    const kind = c.raiseAlert({ kind: 'low-battery', severity: 'warning', deviceSerial: 'CAM0001', message: '5 %' });
    const station = c.raiseAlert({ kind: 'store-full', severity: 'critical', message: '95 %' });
    expect(new Set([a, other, kind, station]).size).toBe(4);
    expect(c.getAlert(a)).toMatchObject({
      kind: 'clock-drift', subject: 'CAM0001', count: 3, firstSeen: '2026-11-30T08:00:00.000Z', lastSeen: '2026-11-30T10:00:00.000Z',
      severity: 'critical', message: 'drift 31 s', ackedAt: null,
    });
    expect(c.getAlert(station)?.subject).toBe('station');

    expect(c.ackAlert(a, 'H00001', 'camera clock reset')).toBe(true);
    expect(c.ackAlert(a, 'H00001')).toBe(false);
    expect(c.getAlert(a)).toMatchObject({ ackedBy: 'H00001', ackNote: 'camera clock reset', ackedAt: '2026-11-30T10:00:00.000Z' });
    const again = c.raiseAlert({ kind: 'clock-drift', severity: 'warning', deviceSerial: 'CAM0001', message: 'drift 50 s' });
    expect(again).not.toBe(a);
    expect(c.listAlerts({ open: true, kind: 'clock-drift' }).map((x) => x.id)).toEqual([other, again]);
    const events = c.listAudit({}).map((e) => e.event).filter((e) => e.startsWith('alert.'));
    expect(events).toEqual(['alert.raise', 'alert.repeat', 'alert.repeat', 'alert.raise', 'alert.raise', 'alert.raise', 'alert.ack', 'alert.raise']);
    expect(c.verifyAuditChain().ok).toBe(true);
    c.close();
  });
});

function seed(c: Custody, clock: { t: string }): number {
  c.upsertDevice({ serial: 'CAM0001', profile: 'generic', inRoster: true });
  const s = c.startSession({ deviceSerial: 'CAM0001', profile: 'generic', sourcePath: '/x', badge: 'A00001' });
  // 2 clips 2 days before the dock with a 60 s interruption, and one fresh clip.
  const clips: [string, number][] = [['2026-11-28T08:00:00Z', 60], ['2026-11-28T08:02:00Z', 60], ['2026-11-30T07:00:00Z', 60]];
  clips.forEach(([start, d], i) => c.commitRecording({
    sessionId: s, deviceSerial: 'CAM0001', badge: 'A00001', sourcePath: `/c${i}.mp4`, size: 1, mtimeMs: 0, sha256: sha(i + 1),
    recordedStart: start, durationS: d, startSource: 'filename', mediaKind: 'video', ingestedAt: clock.t, clockOffsetS: 0,
  }));
  c.endSession(s, { status: 'complete', files: 3, bytes: 3, stored: 3, duplicates: 0, failed: 0 });
  return s;
}

describe('scans', () => {
  it('one late-upload alert per dock session, even after acknowledgement and repeated scans', () => {
    const clock = { t: '2026-11-30T09:00:00Z' };
    const c = custodyAt(clock);
    const s = seed(c, clock);
    const [first, ...rest] = scanLate(c, DEFAULT_RULES, new Date(clock.t));
    expect(rest).toEqual([]);
    expect(first).toMatchObject({ session: s, device: 'CAM0001', badge: 'A00001', late: 2, worstDelaySeconds: 2 * 86_400 + 59 * 60 });
    c.ackAlert(first!.alertId, 'H00001');
    expect(scanLate(c, DEFAULT_RULES, new Date(clock.t))).toEqual([]);
    expect(c.listAlerts({ kind: 'late-upload' })).toHaveLength(1);
    c.close();
  });

  it('an interruption is recorded and alerted once', () => {
    const clock = { t: '2026-11-30T09:00:00Z' };
    const c = custodyAt(clock);
    seed(c, clock);
    const ids = scanGaps(c, DEFAULT_RULES);
    expect(ids).toHaveLength(1);
    expect(scanGaps(c, DEFAULT_RULES)).toEqual([]);
    expect(c.gaps.listGaps()).toMatchObject([{ device: 'CAM0001', badge: 'A00001', gapSeconds: 60, status: 'open', gapStart: '2026-11-28T08:01:00.000Z' }]);
    expect(c.listAlerts({ kind: 'interruption' })).toMatchObject([{ subject: `gap:${ids[0]}`, count: 1 }]);
    c.close();
  });

  it('not-docked is repeated daily, not at every hourly scan', () => {
    const clock = { t: '2026-11-30T09:00:00Z' };
    const c = custodyAt(clock);
    const holding = (lastDock: string) => [{ serial: 'CAM0001', badge: 'A00001', since: null, lastDock }];
    const hourly = (t: string) => { clock.t = t; return scanNotDocked(c, DEFAULT_RULES, new Date(t), holding('2026-11-29T08:00:00Z')); };
    expect(hourly('2026-11-30T09:00:00Z')).toHaveLength(1);
    for (let h = 10; h <= 23; h++) expect(hourly(`2026-11-30T${h}:00:00Z`)).toEqual([]);
    expect(hourly('2026-12-01T08:59:59Z')).toEqual([]);
    expect(hourly('2026-12-01T09:00:00Z')).toHaveLength(1);
    expect(c.listAlerts({ kind: 'not-docked' })).toMatchObject([{ subject: 'CAM0001', count: 2, firstSeen: '2026-11-30T09:00:00.000Z', lastSeen: '2026-12-01T09:00:00.000Z' }]);
    c.close();
  });
});

describe('gap workflow in custody', () => {
  it('rejected, explained again, approved: each step audited, the interruption alert acknowledged by the approver', () => {
    const clock = { t: '2026-11-30T09:00:00Z' };
    const c = custodyAt(clock);
    seed(c, clock);
    const [id] = scanGaps(c, DEFAULT_RULES);
    c.setActor('A00001', null);
    expect(c.gaps.explainGap(id!, { kind: 'text', text: 'forgot' })).toMatchObject({ status: 'explained', explainedBy: 'A00001' });
    c.setActor('H00001', null);
    expect(c.gaps.reviewGap(id!, { approve: false, reason: 'not a reason' })).toMatchObject({ status: 'rejected', reviewedBy: 'H00001', reviewReason: 'not a reason' });
    expect(c.listAlerts({ open: true, kind: 'interruption' })).toHaveLength(1);
    expect(() => c.gaps.reviewGap(id!, { approve: true })).toThrow(/is rejected: only an explained gap is reviewed/);
    c.setActor('A00001', null);
    c.gaps.explainGap(id!, { kind: 'text', text: 'battery died, swapped it' });
    expect(c.gaps.getGap(id!)).toMatchObject({ status: 'explained', reviewedBy: null, reviewReason: null });
    c.setActor('H00001', null);
    expect(c.gaps.reviewGap(id!, { approve: true })).toMatchObject({ status: 'approved', reviewedBy: 'H00001' });
    expect(() => c.gaps.explainGap(id!, { kind: 'text', text: 'late' })).toThrow(/already approved/);
    expect(c.listAlerts({ kind: 'interruption' })).toMatchObject([{ ackedBy: 'H00001', ackNote: `gap ${id} explanation approved` }]);
    expect(c.gaps.listGaps({ open: true })).toEqual([]);
    expect(c.listAudit({}).map((e) => e.event).filter((e) => e.startsWith('gap.'))).toEqual(['gap.detect', 'gap.explain', 'gap.reject', 'gap.explain', 'gap.approve']);
    expect(c.verifyAuditChain().ok).toBe(true);
    c.close();
  });
});
