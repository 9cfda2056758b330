import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import path from 'node:path';
import { MIGRATIONS, openCustody, type Custody } from '../../src/custody/index.js';
import { sha, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let custody: Custody;
beforeEach(() => { tmp = tempDir(); custody = openCustody(tmp.dir); });
afterEach(() => { custody.close(); tmp.cleanup(); });

const raw = (): Database.Database => new Database(path.join(tmp.dir, 'custody.db'));

function seedRecording(c: Custody): number {
  c.upsertDevice({ serial: 'ABC1234', profile: 'generic', inRoster: true });
  const sessionId = c.startSession({ deviceSerial: 'ABC1234', profile: 'generic', sourcePath: '/media/cam' });
  return c.commitRecording({
    sessionId, deviceSerial: 'ABC1234', badge: '000123', sourcePath: 'DCIM/100MEDIA/a.MP4', size: 10, mtimeMs: 1000,
    sha256: sha(1), recordedStart: '2026-11-26T00:30:00Z', startSource: 'filename', mediaKind: 'video',
  }).recordingId;
}

// Versions are sparse while branches add their own numbers: the latest is the highest, not the count.
const LATEST = Math.max(...MIGRATIONS.map((m) => m.version));

describe('custody schema', () => {
  it('creates the database with WAL, FULL sync, foreign keys and a busy timeout', () => {
    const db = raw();
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
      expect(tables).toEqual(expect.arrayContaining(
        ['units', 'officers', 'devices', 'dock_sessions', 'recordings', 'objects', 'audit_log', 'alerts']));
    } finally { db.close(); }
    expect(custody.pragmas()).toEqual({ journalMode: 'wal', synchronous: 2, foreignKeys: true, busyTimeout: 10000 });
    expect(custody.schemaVersion).toBe(MIGRATIONS.at(-1)?.version);
  });

  it('is idempotent on reopen and keeps data', () => {
    seedRecording(custody);
    custody.close();
    for (let i = 0; i < 3; i++) {
      const again = openCustody(tmp.dir);
      expect(again.schemaVersion).toBe(LATEST);
      expect(again.stats().recordings).toBe(1);
      expect(again.verifyAuditChain().ok).toBe(true);
      again.close();
    }
    custody = openCustody(tmp.dir);
  });

  it('refuses a database from a newer evidock', () => {
    custody.close();
    const db = raw();
    db.pragma(`user_version = ${LATEST + 1}`);
    db.close();
    expect(() => openCustody(tmp.dir)).toThrow(/newer than this evidock/);
    custody = openCustody(path.join(tmp.dir, 'other'));
  });

  it('refuses UPDATE and DELETE on audit_log', () => {
    custody.appendAudit('test.event', { a: 1 });
    const db = raw();
    try {
      expect(() => db.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = 1").run()).toThrow('audit_log is append-only');
      expect(() => db.prepare('DELETE FROM audit_log WHERE seq = 1').run()).toThrow('audit_log is append-only');
      expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow('audit_log is append-only');
    } finally { db.close(); }
    expect(custody.verifyAuditChain()).toMatchObject({ ok: true, entries: 1 });
  });

  it('refuses changing a recording identity and deleting recordings or objects', () => {
    const id = seedRecording(custody);
    const db = raw();
    try {
      const refused: [string, string][] = [
        [`UPDATE recordings SET sha256 = '${sha(2)}' WHERE id = ${id}`, 'recordings identity columns are immutable'],
        [`UPDATE recordings SET size = 11 WHERE id = ${id}`, 'recordings identity columns are immutable'],
        [`UPDATE recordings SET source_path = 'x' WHERE id = ${id}`, 'recordings identity columns are immutable'],
        [`UPDATE recordings SET device_serial = 'XYZ9999' WHERE id = ${id}`, 'recordings identity columns are immutable'],
        [`UPDATE recordings SET recorded_start = '2020-01-01T00:00:00.000Z' WHERE id = ${id}`, 'recordings identity columns are immutable'],
        [`DELETE FROM recordings WHERE id = ${id}`, 'recordings are deleted only by retention'],
        [`UPDATE objects SET size = 99 WHERE sha256 = '${sha(1)}'`, 'objects identity columns are immutable'],
        [`DELETE FROM objects`, 'objects are deleted only by retention'],
      ];
      for (const [sql, msg] of refused) expect(() => db.prepare(sql).run(), sql).toThrow(msg);
      // Non-identity columns stay editable (e.g. a later clock correction or classification).
      expect(db.prepare(`UPDATE recordings SET duration_s = 12.5 WHERE id = ${id}`).run().changes).toBe(1);
      expect(db.prepare(`UPDATE recordings SET sha256 = sha256, size = size WHERE id = ${id}`).run().changes).toBe(1);
    } finally { db.close(); }
    expect(custody.getRecording(id)).toMatchObject({ sha256: sha(1), size: 10, durationS: 12.5 });
  });

  it('enforces foreign keys and value checks', () => {
    custody.upsertDevice({ serial: 'ABC1234', profile: 'generic', inRoster: true });
    expect(() => custody.commitRecording({
      sessionId: 999, deviceSerial: 'ABC1234', sourcePath: 'a', size: 1, mtimeMs: 1, sha256: sha(5),
      recordedStart: 0, startSource: 'mtime', mediaKind: 'other',
    })).toThrow(/FOREIGN KEY/);
    expect(custody.stats().objects).toBe(0); // the failed commit left nothing behind
    expect(() => custody.commitRecording({
      sessionId: null, deviceSerial: 'ABC1234', sourcePath: 'a', size: 1, mtimeMs: 1, sha256: 'ABC',
      recordedStart: 0, startSource: 'mtime', mediaKind: 'other',
    })).toThrow(/sha256/);
  });
});
