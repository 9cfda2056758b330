// Read-only facts the compliance rules and reports are computed from (src/compliance): recordings
// with their times, dock sessions, each camera's last dock. Rules stay pure; SQL stays here.
import { stmt } from './db.js';
import type { Ctx } from './context.js';

export interface ComplianceRecording {
  id: number;
  device: string;
  badge: string | null;
  sessionId: number | null;
  mediaKind: string;
  recordedStart: string;
  recordedEnd: string | null;
  correctedStart: string | null;
  correctedEnd: string | null;
  clockOffsetS: number | null;
  durationS: number | null;
  ingestedAt: string;
}

export interface ComplianceSession { id: number; device: string; badge: string | null; startedAt: string; endedAt: string | null; status: string }

const REC = `SELECT id, device_serial AS device, badge, session_id AS sessionId, media_kind AS mediaKind,
  recorded_start AS recordedStart, recorded_end AS recordedEnd, corrected_start AS correctedStart, corrected_end AS correctedEnd,
  clock_offset_s AS clockOffsetS, duration_s AS durationS, ingested_at AS ingestedAt FROM recordings`;

/** Recordings whose (corrected, else raw) start is in [from, to), by camera and start. */
export function recordingsBetween(ctx: Ctx, from: string | null, to: string | null): ComplianceRecording[] {
  return stmt(ctx.db, `${REC} WHERE (@from IS NULL OR coalesce(corrected_start, recorded_start) >= @from)
    AND (@to IS NULL OR coalesce(corrected_start, recorded_start) < @to) ORDER BY device_serial, coalesce(corrected_start, recorded_start), id`)
    .all({ from, to }) as ComplianceRecording[];
}

export function recordingsOfSession(ctx: Ctx, sessionId: number): ComplianceRecording[] {
  return stmt(ctx.db, `${REC} WHERE session_id = ? ORDER BY id`).all(sessionId) as ComplianceRecording[];
}

/** Recordings of one camera, in time order (the gap scan's input). */
export function recordingsOfDevice(ctx: Ctx, device: string): ComplianceRecording[] {
  return stmt(ctx.db, `${REC} WHERE device_serial = ? ORDER BY coalesce(corrected_start, recorded_start), id`).all(device) as ComplianceRecording[];
}

export function complianceSessions(ctx: Ctx, since: string | null): ComplianceSession[] {
  return stmt(ctx.db, `SELECT s.id, d.serial AS device, s.badge, s.started_at AS startedAt, s.ended_at AS endedAt, s.status
    FROM dock_sessions s JOIN devices d ON d.id = s.device_id WHERE (@since IS NULL OR s.started_at >= @since) ORDER BY s.id`)
    .all({ since }) as ComplianceSession[];
}

/** Each known camera and its last dock (null: never docked, only in the roster). */
export function lastDocks(ctx: Ctx): { serial: string; lastDock: string | null }[] {
  return stmt(ctx.db, `SELECT serial, max(lastDock) AS lastDock FROM (
      SELECT d.serial, max(s.started_at) AS lastDock FROM devices d LEFT JOIN dock_sessions s ON s.device_id = d.id GROUP BY d.serial
      UNION ALL SELECT serial, NULL FROM roster_devices WHERE active = 1) GROUP BY serial ORDER BY serial`).all() as { serial: string; lastDock: string | null }[];
}

/** Roster assignment (camera → officer) for cameras in the YAML roster. */
export function rosterHolders(ctx: Ctx): { serial: string; badge: string | null }[] {
  return stmt(ctx.db, 'SELECT serial, badge FROM roster_devices WHERE active = 1 ORDER BY serial').all() as { serial: string; badge: string | null }[];
}

/** Whether an alert of this kind and subject was ever raised (acknowledged ones included). */
export function alertEverRaised(ctx: Ctx, kind: string, subject: string): boolean {
  return stmt(ctx.db, "SELECT 1 FROM alerts WHERE kind = ? AND coalesce(subject, device_serial, 'station') = ? LIMIT 1").get(kind, subject) !== undefined;
}

/** When an alert of this kind and subject was last seen (null: never). */
export function alertLastSeen(ctx: Ctx, kind: string, subject: string): string | null {
  const r = stmt(ctx.db, "SELECT max(coalesce(last_seen, at)) AS t FROM alerts WHERE kind = ? AND coalesce(subject, device_serial, 'station') = ?").get(kind, subject) as { t: string | null };
  return r.t;
}

/** Whether a table exists (another branch's feature, e.g. the ledger's handovers, may not be merged yet). */
export function hasTable(ctx: Ctx, name: string): boolean {
  return stmt(ctx.db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}
