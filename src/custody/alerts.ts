// Alerts for people to act on (late uploads, unknown devices, clock drift, ...). Raising and
// acknowledging are custody events, so both are audited.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import type { AlertInput, AlertRow } from './types.js';

const SEVERITIES = new Set(['info', 'warning', 'critical']);

const SELECT = `SELECT id, at, kind, severity, device_serial AS deviceSerial, session_id AS sessionId, message,
  acked_at AS ackedAt, acked_by AS ackedBy FROM alerts`;

export function raiseAlert(ctx: Ctx, input: AlertInput): number {
  if (!SEVERITIES.has(input.severity)) throw new Error(`custody: invalid alert severity ${String(input.severity)}`);
  return writeTx(ctx, () => {
    const info = stmt(ctx.db, 'INSERT INTO alerts (at, kind, severity, device_serial, session_id, message) VALUES (?, ?, ?, ?, ?, ?)')
      .run(ctx.now(), input.kind, input.severity, input.deviceSerial ?? null, input.sessionId ?? null, input.message);
    const id = Number(info.lastInsertRowid);
    audit(ctx, 'alert.raise', {
      alertId: id, kind: input.kind, severity: input.severity, deviceSerial: input.deviceSerial ?? null,
      sessionId: input.sessionId ?? null, message: input.message,
    });
    return id;
  });
}

/** Returns false when the alert was already acknowledged. */
export function ackAlert(ctx: Ctx, id: number, by: string): boolean {
  return writeTx(ctx, () => {
    const cur = stmt(ctx.db, 'SELECT acked_at FROM alerts WHERE id = ?').get(id) as { acked_at: string | null } | undefined;
    if (!cur) throw new Error(`custody: no alert ${id}`);
    if (cur.acked_at !== null) return false;
    stmt(ctx.db, 'UPDATE alerts SET acked_at = ?, acked_by = ? WHERE id = ?').run(ctx.now(), by, id);
    audit(ctx, 'alert.ack', { alertId: id }, by);
    return true;
  });
}

export function listAlerts(ctx: Ctx, opts: { open?: boolean | undefined; sessionId?: number | undefined } = {}): AlertRow[] {
  const open = opts.open === true ? 'acked_at IS NULL' : opts.open === false ? 'acked_at IS NOT NULL' : '1';
  return stmt(ctx.db, `${SELECT} WHERE ${open} AND (@session IS NULL OR session_id = @session) ORDER BY id`)
    .all({ session: opts.sessionId ?? null }) as AlertRow[];
}
