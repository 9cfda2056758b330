// Pure rules of art. 9 and 14(1): when footage is late, where a recording was interrupted, when a
// voice note explains an interruption, when a held camera counts as not docked. No I/O: every
// input is explicit (times as ISO-8601 with their zone), so the boundaries are table-tested.

export interface Rules {
  uploadDeadlineHours: number;
  activityGapMinutes: number;
  segmentToleranceSeconds: number;
  voiceExplanationSeconds: number;
  notDockedHours?: number | undefined;
  lowBatteryPercent?: number | undefined;
  cameraStorageFullPercent?: number | undefined;
}

export const DEFAULT_RULES: Rules = { uploadDeadlineHours: 24, activityGapMinutes: 30, segmentToleranceSeconds: 5, voiceExplanationSeconds: 120 };

/** The times of one recording as custody holds them. */
export interface TimedRecording {
  recordedStart: string;
  recordedEnd: string | null;
  correctedStart: string | null;
  correctedEnd: string | null;
  /** camera − workstation, seconds; applied when no corrected time was stored */
  clockOffsetS: number | null;
  durationS: number | null;
}

function ms(iso: string, what: string): number {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`${what}: not a time: ${iso}`);
  return t;
}

/** Clock-corrected start (ms since epoch): the stored correction, else the raw start minus the offset. */
export function correctedStartMs(r: TimedRecording): number {
  if (r.correctedStart !== null) return ms(r.correctedStart, 'correctedStart');
  return ms(r.recordedStart, 'recordedStart') - Math.round((r.clockOffsetS ?? 0) * 1000);
}

/** Clock-corrected end: the stored end, else start + duration, else the start itself (a photo). */
export function correctedEndMs(r: TimedRecording): number {
  if (r.correctedEnd !== null) return ms(r.correctedEnd, 'correctedEnd');
  if (r.recordedEnd !== null) return ms(r.recordedEnd, 'recordedEnd') - Math.round((r.clockOffsetS ?? 0) * 1000);
  return correctedStartMs(r) + Math.round((r.durationS ?? 0) * 1000);
}

export interface Lateness { late: boolean; delaySeconds: number; endedAt: string }

/** art. 14(1): late when ingested more than the deadline after it ended (exactly at the deadline is on time). */
export function lateness(r: TimedRecording & { ingestedAt: string }, deadlineHours: number): Lateness {
  const end = correctedEndMs(r);
  const delayMs = ms(r.ingestedAt, 'ingestedAt') - end;
  return { late: delayMs > deadlineHours * 3_600_000, delaySeconds: Math.round(delayMs / 1000), endedAt: new Date(end).toISOString() };
}

export interface Segment extends TimedRecording { id: number }

export interface DetectedGap { beforeRecording: number; afterRecording: number; gapStart: string; gapEnd: string; gapSeconds: number }

/**
 * art. 9: one camera's segments in time order. Consecutive segments belong to one activity while the
 * gap between them is under activityGapMinutes; inside an activity a gap above segmentToleranceSeconds
 * is an interruption (a gap exactly at the tolerance is not).
 */
export function detectGaps(segments: readonly Segment[], rules: Pick<Rules, 'activityGapMinutes' | 'segmentToleranceSeconds'>): DetectedGap[] {
  const sorted = [...segments].sort((a, b) => correctedStartMs(a) - correctedStartMs(b) || a.id - b.id);
  const out: DetectedGap[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    const end = correctedEndMs(a);
    const start = correctedStartMs(b);
    const gapMs = start - end;
    if (gapMs >= rules.activityGapMinutes * 60_000) continue; // a new activity, not an interruption
    if (gapMs <= rules.segmentToleranceSeconds * 1000) continue;
    out.push({ beforeRecording: a.id, afterRecording: b.id, gapStart: new Date(end).toISOString(), gapEnd: new Date(start).toISOString(), gapSeconds: gapMs / 1000 });
  }
  return out;
}

/** A voice note explains a gap when it is of the same camera and starts within voiceExplanationSeconds after the gap. */
export function voiceNoteFits(gap: { device: string; gapEnd: string }, note: TimedRecording & { device: string }, voiceExplanationSeconds: number):
  { ok: true } | { ok: false; why: string } {
  if (note.device !== gap.device) return { ok: false, why: `recording is from camera ${note.device}, the gap from ${gap.device}` };
  const after = (correctedStartMs(note) - ms(gap.gapEnd, 'gapEnd')) / 1000;
  if (after < 0) return { ok: false, why: `recording starts ${-after} s before the gap ends` };
  if (after > voiceExplanationSeconds) return { ok: false, why: `recording starts ${after} s after the gap, more than rules.voiceExplanationSeconds (${voiceExplanationSeconds})` };
  return { ok: true };
}

export interface Holding { serial: string; badge: string; since: string | null; lastDock: string | null }
export interface NotDocked { serial: string; badge: string; reference: string; hours: number }

/** A camera with a holder not docked for longer than the deadline since its last dock (or since the handover). */
export function notDocked(holdings: readonly Holding[], now: string, deadlineHours: number): NotDocked[] {
  const out: NotDocked[] = [];
  const t = ms(now, 'now');
  for (const h of holdings) {
    const refs = [h.lastDock, h.since].filter((x): x is string => x !== null).map((x) => ms(x, 'reference'));
    if (refs.length === 0) continue; // never docked and no handover time: nothing to count from
    const ref = Math.max(...refs);
    const hours = (t - ref) / 3_600_000;
    if (hours > deadlineHours) out.push({ serial: h.serial, badge: h.badge, reference: new Date(ref).toISOString(), hours: Math.floor(hours) });
  }
  return out;
}

/** Whether a repeating alert is due again: never raised, or last seen at least `everyHours` ago. */
export function repeatDue(lastSeen: string | null, now: string, everyHours: number): boolean {
  return lastSeen === null || ms(now, 'now') - ms(lastSeen, 'lastSeen') >= everyHours * 3_600_000;
}

export interface EquipmentFlag { kind: 'low-battery' | 'camera-storage-full'; severity: 'warning'; message: string }

/**
 * art. 10 (battery and storage checked before use): what the dock-time readings are worth an alert.
 * Storage counts only when it is the camera's own (a volume evidock mounted), not the disk a plain
 * directory happens to sit on.
 */
export function equipmentFlags(reading: { batteryPct: number | null; storage: { totalBytes: number; usedBytes: number } | null; storageIsCamera: boolean },
  limits: { lowBatteryPercent: number; cameraStorageFullPercent: number }): EquipmentFlag[] {
  const out: EquipmentFlag[] = [];
  if (reading.batteryPct !== null && reading.batteryPct < limits.lowBatteryPercent) {
    out.push({ kind: 'low-battery', severity: 'warning', message: `battery at ${reading.batteryPct} % at dock (below ${limits.lowBatteryPercent} %): charge before use` });
  }
  const s = reading.storage;
  if (reading.storageIsCamera && s && s.totalBytes > 0) {
    const pct = Math.round((s.usedBytes / s.totalBytes) * 1000) / 10;
    if (pct >= limits.cameraStorageFullPercent) {
      out.push({ kind: 'camera-storage-full', severity: 'warning', message: `camera storage ${pct} % full at dock (limit ${limits.cameraStorageFullPercent} %)` });
    }
  }
  return out;
}
