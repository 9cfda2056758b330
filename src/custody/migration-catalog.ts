// Migration 13 (issue 14, the central catalog): change capture for row replication. Every station
// table the catalog mirrors gets AFTER INSERT/UPDATE/DELETE triggers that append the row's key to
// catalog_outbox; the catalog worker sends the row's current state (or its deletion) and advances
// a cursor. The audit log needs no trigger: it is append-only and replicated by seq. The trigger
// list is computed from the tables present when the step runs, so tables of earlier migrations
// (other features') are captured without naming them here; a later migration that adds a table
// calls changeCaptureSql() for it.
import type { Db } from './db.js';

/** Station-local mechanics that mean nothing centrally (and the audit log, sent by seq). */
const NOT_MIRRORED = /^(sqlite_|catalog_|upstream|audit_log$|recording_ledger$|recording_daily$|ledger_meta$|purge_authorisation$|alert_deliveries$|schedule_runs$|retention_runs$)|queue/;

export function mirrored(table: string): boolean {
  return !NOT_MIRRORED.test(table);
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;
const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/** The columns that identify a row (its primary key; the rowid when it has none). */
export function keyColumns(db: Db, table: string): string[] {
  const cols = (db.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string; pk: number }[])
    .filter((c) => c.pk > 0).sort((a, b) => a.pk - b.pk).map((c) => c.name);
  return cols.length ? cols : ['rowid'];
}

/** Triggers that put a changed row's key into catalog_outbox, and the outbox seeded with every existing row. */
export function changeCaptureSql(db: Db, table: string): string {
  const key = (alias: string) => `json_array(${keyColumns(db, table).map((c) => `${alias}.${c === 'rowid' ? c : q(c)}`).join(', ')})`;
  const t = q(table);
  const lit = `'${table.replace(/'/g, "''")}'`;
  const name = (op: string) => q(`catalog_capture_${table}_${op}`);
  return `
CREATE TRIGGER ${name('i')} AFTER INSERT ON ${t}
BEGIN INSERT INTO catalog_outbox (tbl, rid, at) VALUES (${lit}, ${key('NEW')}, ${NOW}); END;
CREATE TRIGGER ${name('u')} AFTER UPDATE ON ${t}
BEGIN
  INSERT INTO catalog_outbox (tbl, rid, at) VALUES (${lit}, ${key('NEW')}, ${NOW});
  INSERT INTO catalog_outbox (tbl, rid, at) SELECT ${lit}, ${key('OLD')}, ${NOW} WHERE ${key('OLD')} IS NOT ${key('NEW')};
END;
CREATE TRIGGER ${name('d')} AFTER DELETE ON ${t}
BEGIN INSERT INTO catalog_outbox (tbl, rid, at) VALUES (${lit}, ${key('OLD')}, ${NOW}); END;
INSERT INTO catalog_outbox (tbl, rid, at) SELECT ${lit}, ${key(t)}, ${NOW} FROM ${t};
`;
}

export function catalogSql(db: Db): string {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[])
    .map((r) => r.name).filter(mirrored);
  return `
-- Keys of rows changed since they were last sent (deleted once sent).
-- AUTOINCREMENT: seqs are never reused once sent rows are deleted (the cursor only moves forward).
CREATE TABLE catalog_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  tbl TEXT NOT NULL,
  rid TEXT NOT NULL,          -- JSON array of the row's key values
  at  TEXT NOT NULL           -- when the change happened (the backlog's age)
);
-- High-water marks: 'outbox' (catalog_outbox.seq), 'audit_log' (seq), 'checkpoints' (seq).
CREATE TABLE catalog_cursors (
  name       TEXT PRIMARY KEY,
  pos        INTEGER NOT NULL,
  updated_at TEXT NOT NULL
);
-- The worker's last outcome, for status.
CREATE TABLE catalog_state (
  id         INTEGER PRIMARY KEY CHECK (id = 1),
  last_ok_at TEXT,
  last_error TEXT,
  last_error_at TEXT,
  failures   INTEGER NOT NULL DEFAULT 0
);
${tables.map((t) => changeCaptureSql(db, t)).join('')}`;
}
