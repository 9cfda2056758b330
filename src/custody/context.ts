// What every repository function needs: the connection, the clock and the acting identity.
import { appendAuditInTx, type AuditEntry } from './audit.js';
import type { Db } from './db.js';

export interface Ctx {
  db: Db;
  /** Current time as ISO-8601 UTC; injectable so rules (lateness, retention) can be tested. */
  now: () => string;
  /** Who acts: a badge, 'root' or 'system' (see src/access/identity.ts). */
  actor: string;
  /** The OS account behind the actor; null when custody was opened without one (library use, old tests). */
  osUser: string | null;
}

export function audit(ctx: Ctx, event: string, payload: unknown, actor?: string): AuditEntry {
  return appendAuditInTx(ctx.db, ctx.now(), actor ?? ctx.actor, event, payload, ctx.osUser);
}

/** Runs fn in BEGIN IMMEDIATE (or a savepoint when already inside a transaction). */
export function writeTx<T>(ctx: Ctx, fn: () => T): T {
  return ctx.db.transaction(fn).immediate();
}

export function parseJson<T>(text: string | null, fallback: T): T {
  if (text === null) return fallback;
  return JSON.parse(text) as T;
}
