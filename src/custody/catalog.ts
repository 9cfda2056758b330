// The station side of catalog replication (issue 14): what is pending (audit entries after the
// cursor, changed rows in catalog_outbox), the rows' current state, the cursors, the worker's last
// outcome. PostgreSQL is never touched here (src/upstream/catalog/pg.ts is its adapter).
import { stmt } from './db.js';
import { writeTx, type Ctx } from './context.js';
import { keyColumns, mirrored } from './migration-catalog.js';

export interface RawAudit { seq: number; at: string; actor: string; event: string; payload: string; os_user: string | null; prev_hash: string; hash: string }
export interface OutboxItem { seq: number; tbl: string; rid: string; at: string }
/** A row's state to send: null when it was deleted. */
export interface ChangedRow { tbl: string; rid: string; row: Record<string, unknown> | null }
/** 'reseed': the outbox was emptied while no catalog was configured; every row is queued again first. */
export type CursorName = 'outbox' | 'audit_log' | 'checkpoints' | 'reseed';

export function cursor(ctx: Ctx, name: CursorName): number {
  const r = stmt(ctx.db, 'SELECT pos FROM catalog_cursors WHERE name = ?').get(name) as { pos: number } | undefined;
  return r?.pos ?? 0;
}

/** Advances a cursor (never backwards); the outbox cursor also drops the sent outbox rows. */
export function advanceCursor(ctx: Ctx, name: CursorName, pos: number): void {
  writeTx(ctx, () => {
    stmt(ctx.db, `INSERT INTO catalog_cursors (name, pos, updated_at) VALUES (?, ?, ?)
      ON CONFLICT (name) DO UPDATE SET pos = max(pos, excluded.pos), updated_at = excluded.updated_at`).run(name, pos, ctx.now());
    if (name === 'outbox') stmt(ctx.db, 'DELETE FROM catalog_outbox WHERE seq <= ?').run(pos);
  });
}

export function auditAfter(ctx: Ctx, seq: number, limit: number): RawAudit[] {
  return stmt(ctx.db, 'SELECT seq, at, actor, event, payload, os_user, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?')
    .all(seq, limit) as RawAudit[];
}

export function outboxAfter(ctx: Ctx, seq: number, limit: number): OutboxItem[] {
  return stmt(ctx.db, 'SELECT seq, tbl, rid, at FROM catalog_outbox WHERE seq > ? ORDER BY seq LIMIT ?').all(seq, limit) as OutboxItem[];
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** The current state of each changed row, read in one snapshot (a key seen twice is read once). */
export function currentRows(ctx: Ctx, items: readonly Pick<OutboxItem, 'tbl' | 'rid'>[]): ChangedRow[] {
  return ctx.db.transaction(() => {
    const seen = new Set<string>();
    const out: ChangedRow[] = [];
    const keys = new Map<string, string[]>();
    for (const it of items) {
      const id = `${it.tbl}\0${it.rid}`;
      if (seen.has(id)) continue;
      seen.add(id);
      let cols = keys.get(it.tbl);
      if (!cols) { cols = keyColumns(ctx.db, it.tbl); keys.set(it.tbl, cols); }
      const values = JSON.parse(it.rid) as unknown[];
      const where = cols.map((c) => `${c === 'rowid' ? c : q(c)} IS ?`).join(' AND ');
      const row = stmt(ctx.db, `SELECT * FROM ${q(it.tbl)} WHERE ${where}`).get(...values) as Record<string, unknown> | undefined;
      out.push({ tbl: it.tbl, rid: it.rid, row: row ?? null });
    }
    return out;
  }).deferred();
}

export interface CatalogBacklog {
  /** changed rows not yet sent (a row changed twice counts twice) */
  rows: number;
  /** audit entries not yet sent */
  auditEntries: number;
  /** the oldest unsent change (ISO), null when nothing is pending */
  oldestAt: string | null;
}

export function backlog(ctx: Ctx): CatalogBacklog {
  return ctx.db.transaction(() => {
    const out = cursor(ctx, 'outbox');
    const aud = cursor(ctx, 'audit_log');
    const r = stmt(ctx.db, 'SELECT count(*) AS n, min(at) AS oldest FROM catalog_outbox WHERE seq > ?').get(out) as { n: number; oldest: string | null };
    const a = stmt(ctx.db, 'SELECT count(*) AS n, min(at) AS oldest FROM audit_log WHERE seq > ?').get(aud) as { n: number; oldest: string | null };
    const oldest = [r.oldest, a.oldest].filter((x): x is string => x !== null).sort()[0] ?? null;
    return { rows: r.n, auditEntries: a.n, oldestAt: oldest };
  }).deferred();
}

export interface CatalogState { lastOkAt: string | null; lastError: string | null; lastErrorAt: string | null; failures: number }

export function recordOutcome(ctx: Ctx, error: string | null): void {
  const now = ctx.now();
  if (error === null) {
    stmt(ctx.db, `INSERT INTO catalog_state (id, last_ok_at, failures) VALUES (1, ?, 0)
      ON CONFLICT (id) DO UPDATE SET last_ok_at = excluded.last_ok_at, failures = 0`).run(now);
  } else {
    stmt(ctx.db, `INSERT INTO catalog_state (id, last_error, last_error_at, failures) VALUES (1, ?, ?, 1)
      ON CONFLICT (id) DO UPDATE SET last_error = excluded.last_error, last_error_at = excluded.last_error_at, failures = failures + 1`).run(error, now);
  }
}

export function catalogState(ctx: Ctx): CatalogState {
  const r = stmt(ctx.db, 'SELECT last_ok_at AS lastOkAt, last_error AS lastError, last_error_at AS lastErrorAt, failures FROM catalog_state WHERE id = 1')
    .get() as CatalogState | undefined;
  return r ?? { lastOkAt: null, lastError: null, lastErrorAt: null, failures: 0 };
}

/** Queues every mirrored row again (the outbox was emptied, or the catalog lost what it had). */
function queueAllRows(ctx: Ctx): void {
  const tables = (stmt(ctx.db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name).filter(mirrored);
  for (const t of tables) {
    const key = keyColumns(ctx.db, t).map((c) => (c === 'rowid' ? c : q(c))).join(', ');
    ctx.db.prepare(`INSERT INTO catalog_outbox (tbl, rid, at) SELECT ?, json_array(${key}), ? FROM ${q(t)}`).run(t, ctx.now());
  }
}

/**
 * No catalog configured: the outbox would only grow. Empties it and notes that every row must be
 * queued again (reseedIfNeeded) once a catalog is configured.
 */
export function dropOutboxUnconfigured(ctx: Ctx): number {
  return writeTx(ctx, () => {
    const n = stmt(ctx.db, 'DELETE FROM catalog_outbox').run().changes;
    if (n > 0) {
      stmt(ctx.db, `INSERT INTO catalog_cursors (name, pos, updated_at) VALUES ('reseed', 1, ?)
        ON CONFLICT (name) DO UPDATE SET pos = 1, updated_at = excluded.updated_at`).run(ctx.now());
    }
    return n;
  });
}

/** After dropOutboxUnconfigured: queues every row once. Returns whether it did. */
export function reseedIfNeeded(ctx: Ctx): boolean {
  return writeTx(ctx, () => {
    if (cursor(ctx, 'reseed') !== 1) return false;
    queueAllRows(ctx);
    stmt(ctx.db, "DELETE FROM catalog_cursors WHERE name = 'reseed'").run();
    return true;
  });
}

/** The catalog holds less than the cursors say (a new or restored catalog): everything is sent again. */
export function resendAll(ctx: Ctx): void {
  writeTx(ctx, () => {
    stmt(ctx.db, "DELETE FROM catalog_cursors WHERE name IN ('audit_log', 'checkpoints', 'reseed')").run();
    queueAllRows(ctx);
  });
}
