// Alerts for people to act on (late uploads, unknown devices, clock drift, ...). An alert is
// deduplicated by kind and subject while it is open: a repeat bumps last_seen and count instead of
// adding a row, so a problem seen every hour is one alert. Raising, repeating and acknowledging are
// custody events, so all are audited.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import type { AlertInput, AlertRow } from './types.js';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

const SELECT = `SELECT id, at, kind, severity, coalesce(subject, device_serial, 'station') AS subject,
  device_serial AS deviceSerial, session_id AS sessionId, message, at AS firstSeen, coalesce(last_seen, at) AS lastSeen,
  count, acked_at AS ackedAt, acked_by AS ackedBy, ack_note AS ackNote FROM alerts`;

/** What an alert is about when the caller names nothing more specific: the camera, else the station. */
export function alertSubject(input: Pick<AlertInput, 'subject' | 'deviceSerial'>): string {
  return input.subject ?? input.deviceSerial ?? 'station';
}

export function raiseAlert(ctx: Ctx, input: AlertInput): number {
  if (!SEVERITIES.has(input.severity)) throw new Error(`custody: invalid alert severity ${String(input.severity)}`);
  const subject = alertSubject(input);
  return writeTx(ctx, () => {
    const now = ctx.now();
    const open = stmt(ctx.db, `SELECT id, severity FROM alerts WHERE kind = ? AND coalesce(subject, device_serial, 'station') = ?
      AND acked_at IS NULL ORDER BY id DESC LIMIT 1`).get(input.kind, subject) as { id: number; severity: string } | undefined;
    if (open) {
      // The latest message and session win; the severity never drops while the alert is open.
      const rank = (s: string) => ['info', 'warning', 'critical'].indexOf(s);
      const severity = rank(input.severity) > rank(open.severity) ? input.severity : open.severity;
      stmt(ctx.db, `UPDATE alerts SET last_seen = ?, count = count + 1, message = ?, severity = ?,
        session_id = coalesce(?, session_id) WHERE id = ?`).run(now, input.message, severity, input.sessionId ?? null, open.id);
      audit(ctx, 'alert.repeat', { alertId: open.id, kind: input.kind, subject, severity, sessionId: input.sessionId ?? null, message: input.message });
      return open.id;
    }
    const info = stmt(ctx.db, `INSERT INTO alerts (at, kind, severity, device_serial, session_id, message, subject, last_seen)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(now, input.kind, input.severity, input.deviceSerial ?? null, input.sessionId ?? null, input.message, subject, now);
    const id = Number(info.lastInsertRowid);
    audit(ctx, 'alert.raise', {
      alertId: id, kind: input.kind, severity: input.severity, deviceSerial: input.deviceSerial ?? null,
      sessionId: input.sessionId ?? null, message: input.message, subject,
    });
    return id;
  });
}

/** Returns false when the alert was already acknowledged. */
export function ackAlert(ctx: Ctx, id: number, by: string, note?: string): boolean {
  return writeTx(ctx, () => {
    const cur = stmt(ctx.db, 'SELECT acked_at FROM alerts WHERE id = ?').get(id) as { acked_at: string | null } | undefined;
    if (!cur) throw new Error(`custody: no alert ${id}`);
    if (cur.acked_at !== null) return false;
    stmt(ctx.db, 'UPDATE alerts SET acked_at = ?, acked_by = ?, ack_note = ? WHERE id = ?').run(ctx.now(), by, note ?? null, id);
    audit(ctx, 'alert.ack', note === undefined ? { alertId: id } : { alertId: id, note }, by);
    return true;
  });
}

export interface AlertQuery {
  open?: boolean | undefined;
  sessionId?: number | undefined;
  kind?: string | undefined;
  subject?: string | undefined;
  /** alerts with id > afterId (the delivery loop's cursor) */
  afterId?: number | undefined;
}

export function listAlerts(ctx: Ctx, opts: AlertQuery = {}): AlertRow[] {
  const open = opts.open === true ? 'acked_at IS NULL' : opts.open === false ? 'acked_at IS NOT NULL' : '1';
  return stmt(ctx.db, `${SELECT} WHERE ${open} AND (@session IS NULL OR session_id = @session) AND (@kind IS NULL OR kind = @kind)
    AND (@subject IS NULL OR coalesce(subject, device_serial, 'station') = @subject) AND id > @after ORDER BY id`)
    .all({ session: opts.sessionId ?? null, kind: opts.kind ?? null, subject: opts.subject ?? null, after: opts.afterId ?? 0 }) as AlertRow[];
}

export function getAlert(ctx: Ctx, id: number): AlertRow | undefined {
  return stmt(ctx.db, `${SELECT} WHERE id = ?`).get(id) as AlertRow | undefined;
}
