// Opening the SQLite file with the durability settings custody depends on, plus a small
// prepared-statement cache so hot paths (one commit per ingested file) do not re-parse SQL.
import Database from 'better-sqlite3';

export type Db = Database.Database;
export type Stmt = Database.Statement<unknown[], unknown>;

export function openDatabase(file: string): Db {
  const db = new Database(file);
  try {
    // busy_timeout first: the journal-mode switch and migrations may race another process.
    db.pragma('busy_timeout = 10000');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (String(mode).toLowerCase() !== 'wal') throw new Error(`custody: could not enable WAL (journal_mode=${String(mode)})`);
    // FULL: a committed recording survives power loss before the camera may be wiped.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

const caches = new WeakMap<Db, Map<string, Stmt>>();

export function stmt(db: Db, sql: string): Stmt {
  let cache = caches.get(db);
  if (!cache) {
    cache = new Map();
    caches.set(db, cache);
  }
  let s = cache.get(sql);
  if (!s) {
    s = db.prepare(sql);
    cache.set(sql, s);
  }
  return s;
}

export function toIso(t: Date | string | number): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) throw new RangeError(`custody: invalid time ${String(t)}`);
  return d.toISOString();
}
