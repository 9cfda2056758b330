// The compliance scans: late uploads per dock session, interruptions per camera, cameras not
// docked. Run after each dock and on schedule; each is idempotent (a session's late alert is raised
// once, a gap recorded once, not-docked repeated daily, not hourly).
import type { Custody } from '../custody/index.js';
import { DEFAULT_RULES, detectGaps, lateness, notDocked, repeatDue, type Holding, type Rules } from './rules.js';
import { currentHoldings } from './holders.js';
import { dockedAway, lendingOf, type LendingKind } from '../ledger/rules.js';

export function rulesOf(config: { rules?: Partial<Rules> | undefined }): Rules {
  return { ...DEFAULT_RULES, ...(config.rules ?? {}) };
}

const hours = (s: number) => `${(s / 3600).toFixed(1)} h`;

export interface LateSession { session: number; device: string; badge: string | null; late: number; worstDelaySeconds: number; alertId: number }

/** One `late-upload` alert per dock session that brought late files (officer, camera, count, worst delay). */
export function scanLateSession(custody: Custody, rules: Rules, sessionId: number): LateSession | null {
  const subject = `session:${sessionId}`;
  if (custody.compliance.alertEverRaised('late-upload', subject)) return null;
  const recs = custody.compliance.recordingsOfSession(sessionId);
  const late = recs.map((r) => ({ r, l: lateness(r, rules.uploadDeadlineHours) })).filter((x) => x.l.late);
  if (late.length === 0) return null;
  const worst = Math.max(...late.map((x) => x.l.delaySeconds));
  const device = late[0]!.r.device;
  const badge = late.find((x) => x.r.badge)?.r.badge ?? null;
  const alertId = custody.raiseAlert({
    kind: 'late-upload', severity: 'warning', subject, deviceSerial: device, sessionId,
    message: `dock session ${sessionId}: camera ${device} (officer ${badge ?? 'unknown'}) brought ${late.length} file(s) later than `
      + `${rules.uploadDeadlineHours} h after they ended; worst delay ${hours(worst)}`,
  });
  return { session: sessionId, device, badge, late: late.length, worstDelaySeconds: worst, alertId };
}

export function scanLate(custody: Custody, rules: Rules, now: Date = new Date()): LateSession[] {
  const since = new Date(now.getTime() - 14 * 86_400_000).toISOString(); // older sessions were scanned at their dock
  const out: LateSession[] = [];
  for (const s of custody.compliance.complianceSessions(since)) {
    if (s.status === 'running') continue;
    const r = scanLateSession(custody, rules, s.id);
    if (r) out.push(r);
  }
  return out;
}

/** Interruptions of one camera's video segments; each new one recorded (audited) and alerted once. */
export function scanGapsOfDevice(custody: Custody, rules: Rules, device: string): number[] {
  const recs = custody.compliance.recordingsOfDevice(device).filter((r) => r.mediaKind === 'video');
  const byId = new Map(recs.map((r) => [r.id, r]));
  const created: number[] = [];
  for (const g of detectGaps(recs, rules)) {
    const before = byId.get(g.beforeRecording)!;
    const { id, created: isNew } = custody.gaps.addGap({ device, badge: before.badge, ...g });
    if (!isNew) continue;
    created.push(id);
    custody.raiseAlert({
      kind: 'interruption', severity: 'warning', subject: `gap:${id}`, deviceSerial: device,
      message: `camera ${device} (officer ${before.badge ?? 'unknown'}) stopped recording for ${Math.round(g.gapSeconds)} s at ${g.gapStart}: `
        + `explain with \`evidock gap explain ${id}\``,
    });
  }
  return created;
}

export function scanGaps(custody: Custody, rules: Rules): number[] {
  const devices = custody.listDevices().map((d) => d.serial);
  return devices.flatMap((d) => scanGapsOfDevice(custody, rules, d));
}

/** `not-docked`, repeated daily (not at every hourly scan) while the camera stays away. */
export function scanNotDocked(custody: Custody, rules: Rules, now: Date = new Date(), holdings?: Holding[]): number[] {
  const deadline = rules.notDockedHours ?? rules.uploadDeadlineHours;
  const ids: number[] = [];
  for (const n of notDocked(holdings ?? currentHoldings(custody), now.toISOString(), deadline)) {
    const subject = n.serial;
    if (!repeatDue(custody.compliance.alertLastSeen('not-docked', subject), now.toISOString(), 24)) continue;
    ids.push(custody.raiseAlert({
      kind: 'not-docked', severity: 'warning', subject, deviceSerial: n.serial,
      message: `camera ${n.serial} held by officer ${n.badge} not docked for ${n.hours} h (since ${n.reference}); deadline ${deadline} h`,
    }));
  }
  return ids;
}

const LENDING_TEXT: Record<LendingKind, string> = {
  'no-holder': 'recorded while the camera had no holder in the ledger',
  'badge-mismatch': 'recorded under another officer\'s badge than the holder\'s',
  'other-unit': 'docked at a station of another unit',
};

/**
 * art. 18(6): one `lending` alert per dock session and case — recordings made with no holder,
 * recordings whose camera-reported badge is not the holder's, a camera of another unit docked
 * here. Raised once per session and case (acknowledged ones are not raised again).
 */
export function scanLendingSession(custody: Custody, stationUnit: string | undefined, sessionId: number): number[] {
  const session = custody.getSession(sessionId);
  if (!session) return [];
  const device = custody.ledger.getLedgerDevice(session.deviceSerial);
  if (!device) return []; // a camera outside the ledger is flagged as unassigned, not lent
  const found = new Map<LendingKind, { count: number; badges: Set<string>; holders: Set<string> }>();
  for (const r of custody.ledger.sessionAttribution(sessionId)) {
    const k = lendingOf({ inLedger: true, ...r });
    if (!k) continue;
    const f = found.get(k) ?? { count: 0, badges: new Set(), holders: new Set() };
    f.count += 1;
    if (r.reported) f.badges.add(r.reported);
    if (r.holder) f.holders.add(r.holder);
    found.set(k, f);
  }
  if (stationUnit !== undefined) {
    const parents = new Map(custody.getRoster().units.map((u) => [u.code, u.parent]));
    if (dockedAway(device.unit, stationUnit, parents)) found.set('other-unit', { count: session.files, badges: new Set(), holders: new Set() });
  }
  const ids: number[] = [];
  for (const [kind, f] of found) {
    const subject = `session:${sessionId}:${kind}`;
    if (custody.compliance.alertEverRaised('lending', subject)) continue;
    const detail = kind === 'other-unit' ? `camera of unit ${device.unit ?? '?'}, station of unit ${stationUnit ?? '?'}`
      : kind === 'badge-mismatch' ? `${f.count} recording(s) under badge ${[...f.badges].join(', ')}, holder ${[...f.holders].join(', ')}`
        : `${f.count} recording(s)`;
    ids.push(custody.raiseAlert({
      kind: 'lending', severity: 'warning', subject, deviceSerial: device.serial, sessionId,
      message: `camera ${device.serial} ${LENDING_TEXT[kind]} (art. 18(6)): ${detail}; dock session ${sessionId}`,
    }));
  }
  return ids;
}

/** Lending in recent dock sessions again: a handover entered after the dock may change who held the camera. */
export function scanLending(custody: Custody, stationUnit: string | undefined, now: Date = new Date()): number[] {
  const since = new Date(now.getTime() - 14 * 86_400_000).toISOString();
  return custody.compliance.complianceSessions(since).filter((s) => s.status !== 'running').flatMap((s) => scanLendingSession(custody, stationUnit, s.id));
}

/** After one dock: its late files, the camera's interruptions, lending. */
export function scanAfterDock(custody: Custody, config: { rules?: Partial<Rules> | undefined; unit?: { code: string } | undefined }, session: { session: number; device: string }): void {
  const rules = rulesOf(config);
  scanLateSession(custody, rules, session.session);
  if (session.device && session.device !== 'UNKNOWN') scanGapsOfDevice(custody, rules, session.device);
  scanLendingSession(custody, config.unit?.code, session.session);
}
