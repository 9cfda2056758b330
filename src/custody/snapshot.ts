// A throw-away, in-memory custody database with the station schema, filled with rows pulled from
// the central catalog (`--catalog` reports): the unchanged report code then runs on it. Triggers
// are dropped (it is a read model, never custody) and foreign keys are off (a station's rows arrive
// table by table).
import Database from 'better-sqlite3';
import type { Db, Stmt } from './db.js';
import { migrate } from './migrations.js';
import { REBUILD_DAILY, REBUILD_RECORDING_LEDGER } from './migration-ledger.js';

export function openSnapshotDatabase(): Db {
  const db = new Database(':memory:');
  migrate(db);
  db.pragma('foreign_keys = OFF');
  for (const t of db.prepare("SELECT name FROM sqlite_master WHERE type = 'trigger'").all() as { name: string }[]) {
    db.exec(`DROP TRIGGER "${t.name.replace(/"/g, '""')}"`);
  }
  return db;
}

const q = (name: string) => `"${name.replace(/"/g, '""')}"`;

export function snapshotTables(db: Db): string[] {
  return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").all() as { name: string }[]).map((r) => r.name);
}

export function tableColumns(db: Db, table: string): string[] {
  return (db.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string }[]).map((c) => c.name);
}

/** Unique column sets other than an integer id (e.g. devices.serial), to find "the same thing" from another station. */
function uniqueSets(db: Db, table: string): string[][] {
  const out: string[][] = [];
  for (const ix of db.prepare(`PRAGMA index_list(${q(table)})`).all() as { name: string; unique: number; origin: string }[]) {
    if (!ix.unique || ix.origin === 'pk') continue;
    out.push((db.prepare(`PRAGMA index_info(${q(ix.name)})`).all() as { name: string }[]).map((c) => c.name));
  }
  return out;
}

export interface SnapshotInsert { inserted: number; merged: { id: number; into: number }[]; ignored: number }

/**
 * Inserts rows (already remapped) into a table; a row that collides with one already there is the
 * same thing seen by another station (a camera docked at two stations, the shared roster): it is
 * not inserted, and when it has an integer id the id it would have had is returned with the
 * existing row's id, so references to it can be pointed there.
 */
export function insertSnapshotRows(db: Db, table: string, rows: readonly Record<string, unknown>[]): SnapshotInsert {
  const cols = new Set(tableColumns(db, table));
  const result: SnapshotInsert = { inserted: 0, merged: [], ignored: 0 };
  if (!cols.size) return result;
  const uniques = cols.has('id') ? uniqueSets(db, table) : [];
  const inserts = new Map<string, Stmt>();
  const run = db.transaction(() => {
    for (const row of rows) {
      const names = Object.keys(row).filter((k) => cols.has(k));
      const sig = names.join('\0');
      let ins = inserts.get(sig);
      if (!ins) {
        ins = db.prepare(`INSERT OR IGNORE INTO ${q(table)} (${names.map(q).join(', ')}) VALUES (${names.map(() => '?').join(', ')})`);
        inserts.set(sig, ins);
      }
      const info = ins.run(...names.map((k) => row[k]));
      if (info.changes) { result.inserted++; continue; }
      result.ignored++;
      if (typeof row.id !== 'number') continue;
      for (const set of uniques) {
        if (!set.every((c) => c in row)) continue;
        const hit = db.prepare(`SELECT id FROM ${q(table)} WHERE ${set.map((c) => `${q(c)} IS ?`).join(' AND ')}`).get(...set.map((c) => row[c])) as { id: number } | undefined;
        if (hit) { result.merged.push({ id: row.id, into: hit.id }); break; }
      }
    }
  });
  run();
  return result;
}

/** Points every declared reference to table(id) `from` at `to` (after insertSnapshotRows merged a row). */
export function repointReferences(db: Db, table: string, from: number, to: number): void {
  for (const t of snapshotTables(db)) {
    for (const fk of db.prepare(`PRAGMA foreign_key_list(${q(t)})`).all() as { table: string; from: string; to: string | null }[]) {
      if (fk.table !== table || (fk.to !== null && fk.to !== 'id')) continue;
      db.prepare(`UPDATE ${q(t)} SET ${q(fk.from)} = ? WHERE ${q(fk.from)} = ?`).run(to, from);
    }
  }
}

/**
 * Derives what a station keeps by triggers (dropped here): the ledger's per-recording attribution and
 * its per-day rollup, from the rows pulled in. Runs once, after every station's rows are in.
 */
export function deriveSnapshotTables(db: Db): void {
  db.transaction(() => {
    db.exec(REBUILD_RECORDING_LEDGER);
    db.exec(REBUILD_DAILY);
  })();
}
