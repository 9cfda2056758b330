// Alert deliveries per channel: persisted so a delivery that failed is retried after a restart,
// and bounded (attempts) so a receiver that stays down does not cause a storm.
import { stmt } from './db.js';
import { writeTx, type Ctx } from './context.js';

export interface DeliveryRow {
  id: number;
  alertId: number;
  channel: string;
  payload: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextTry: string;
  lastError: string | null;
}

const SELECT = `SELECT id, alert_id AS alertId, channel, payload, status, attempts, next_try AS nextTry, last_error AS lastError FROM alert_deliveries`;

export function enqueueDelivery(ctx: Ctx, alertId: number, channel: string, payload: string): number {
  const now = ctx.now();
  return Number(stmt(ctx.db, 'INSERT INTO alert_deliveries (alert_id, channel, payload, next_try, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(alertId, channel, payload, now, now).lastInsertRowid);
}

/** Deliveries due now (pending, next_try reached), oldest first. */
export function dueDeliveries(ctx: Ctx, limit = 100): DeliveryRow[] {
  return stmt(ctx.db, `${SELECT} WHERE status = 'pending' AND next_try <= ? ORDER BY id LIMIT ?`).all(ctx.now(), limit) as DeliveryRow[];
}

export function listDeliveries(ctx: Ctx, alertId?: number): DeliveryRow[] {
  return stmt(ctx.db, `${SELECT} WHERE (@a IS NULL OR alert_id = @a) ORDER BY id`).all({ a: alertId ?? null }) as DeliveryRow[];
}

export function markDelivered(ctx: Ctx, id: number): void {
  stmt(ctx.db, "UPDATE alert_deliveries SET status = 'delivered', attempts = attempts + 1, done_at = ?, last_error = NULL WHERE id = ?").run(ctx.now(), id);
}

/** A failed attempt: retried at nextTry, or given up (status failed) when none is left. */
export function markAttemptFailed(ctx: Ctx, id: number, error: string, nextTry: string | null): void {
  if (nextTry === null) {
    stmt(ctx.db, "UPDATE alert_deliveries SET status = 'failed', attempts = attempts + 1, last_error = ?, done_at = ? WHERE id = ?").run(error, ctx.now(), id);
  } else {
    stmt(ctx.db, 'UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?, next_try = ? WHERE id = ?').run(error, nextTry, id);
  }
}

/** Whether this raise (or repeat, by count) of the alert was already queued for the channel. */
export function hasDelivery(ctx: Ctx, alertId: number, channel: string, count: number): boolean {
  return stmt(ctx.db, "SELECT 1 FROM alert_deliveries WHERE alert_id = ? AND channel = ? AND json_extract(payload, '$.count') = ? LIMIT 1")
    .get(alertId, channel, count) !== undefined;
}

/** After a restart: deliveries that gave up recently are tried again (bounded again by their channel's retries). */
export function retryFailedSince(ctx: Ctx, since: string): number {
  return stmt(ctx.db, "UPDATE alert_deliveries SET status = 'pending', attempts = 0, next_try = ?, done_at = NULL WHERE status = 'failed' AND created_at >= ?")
    .run(ctx.now(), since).changes;
}

/** The highest alert id and last_seen already fanned out, so each raise or repeat is delivered once. */
export function deliveryCursor(ctx: Ctx): string | null {
  const r = stmt(ctx.db, "SELECT last_result AS v FROM schedule_runs WHERE name = '@alerts.cursor'").get() as { v: string } | undefined;
  return r?.v ?? null;
}

export function setDeliveryCursor(ctx: Ctx, value: string): void {
  writeTx(ctx, () => stmt(ctx.db, `INSERT INTO schedule_runs (name, cron, last_result) VALUES ('@alerts.cursor', '-', ?)
    ON CONFLICT(name) DO UPDATE SET last_result = excluded.last_result`).run(value));
}
