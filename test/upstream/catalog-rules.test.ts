// The catalog's pure rules (table-driven) and its station side on real SQLite files: change capture
// by the migration-13 triggers, the cursors, and the report snapshot that merges stations.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { backoffMs, isLate } from '../../src/upstream/catalog/backoff.js';
import { decodeRow, encodeRow, remapRow, STATION_ID_FACTOR } from '../../src/upstream/catalog/rows.js';
import { Catalog, redactDsn } from '../../src/upstream/catalog/pg.js';
import { openCustody, Custody } from '../../src/custody/index.js';
import * as repo from '../../src/custody/catalog.js';
import { insertSnapshotRows, openSnapshotDatabase, repointReferences } from '../../src/custody/snapshot.js';
import { mirrored } from '../../src/custody/migration-catalog.js';
import { MIGRATIONS, migrate } from '../../src/custody/migrations.js';

const dirs: string[] = [];
const tmp = () => { const d = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-catalog-rules-')); dirs.push(d); return d; };
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

describe('backoff and lateness', () => {
  it.each([
    [0, 0, 0], [1, 1000, 1000], [2, 2000, 2000], [3, 4000, 4000], [9, 256_000, 256_000], [10, 300_000, 300_000], [60, 300_000, 300_000],
  ])('failure %i waits %i ms (jitter 0.5), capped', (n, expected) => {
    expect(backoffMs(n, undefined, () => 0.5)).toBe(expected);
  });
  it('jitter stays within ±20 % and under the cap', () => {
    expect(backoffMs(3, undefined, () => 0)).toBe(3200);
    expect(backoffMs(3, undefined, () => 1)).toBe(4800);
    expect(backoffMs(20, undefined, () => 1)).toBe(300_000);
  });
  it.each([
    [null, 24, false], ['2026-12-01T00:00:00Z', 24, false], ['2026-11-30T00:00:00Z', 24, true], ['2026-11-30T13:00:00Z', 24, false], ['2026-12-01T11:00:00Z', 0.5, true],
  ])('oldest %s with %i h → late %s (now 2026-12-01T12:00Z)', (oldest, hours, late) => {
    expect(isLate(oldest, '2026-12-01T12:00:00Z', hours)).toBe(late);
  });
});

describe('rows for the catalog', () => {
  it.each([
    ['recordings', { id: 7, session_id: 2, device_id: 1, sha256: 'ab', size: 9, badge: 'A1' }, { id: 3e9 + 7, session_id: 3e9 + 2, device_id: 3e9 + 1, sha256: 'ab', size: 9, badge: 'A1' }],
    ['gaps', { id: 1, before_recording: 4, after_recording: 5, gap_seconds: 60 }, { id: 3e9 + 1, before_recording: 3e9 + 4, after_recording: 3e9 + 5, gap_seconds: 60 }],
    ['alerts', { id: 2, subject: 'gap:1', count: 4, session_id: null }, { id: 3e9 + 2, subject: `gap:${3e9 + 1}`, count: 4, session_id: null }],
    ['alerts', { id: 2, subject: 'CAM0001', owner_pid: 77 }, { id: 3e9 + 2, subject: 'CAM0001', owner_pid: 77 }],
    ['tombstones', { recording_id: 5, audit_seq: 40, size: 3 }, { recording_id: 3e9 + 5, audit_seq: 3e9 + 40, size: 3 }],
    ['units', { code: '3301', name: 'x' }, { code: '3301', name: 'x' }],
  ])('%s: station-local ids move by the station offset, nothing else', (_t, row, expected) => {
    expect(remapRow(row, 3 * STATION_ID_FACTOR)).toEqual(expected);
    expect(remapRow(row, 0)).toBe(row);
  });
  it('refuses an id too large to keep stations apart', () => {
    expect(() => remapRow({ id: STATION_ID_FACTOR }, STATION_ID_FACTOR)).toThrow(/too large/);
  });
  it('BLOBs survive the JSON round trip', () => {
    const row = { id: 1, source_path: 'a', source_path_raw: Buffer.from([0xff, 0x00, 0x41]), size: null };
    const back = decodeRow(JSON.parse(encodeRow(row)) as Record<string, unknown>);
    expect(back).toEqual(row);
    expect(Buffer.isBuffer(back.source_path_raw)).toBe(true);
  });
  it.each([
    ['postgresql://evidock:s3cret@10.0.0.5:5432/evidock', 'postgresql://evidock:***@10.0.0.5:5432/evidock'],
    ['postgresql://evidock@10.0.0.5/evidock', 'postgresql://evidock@10.0.0.5/evidock'],
    ['postgres://u:p%40ss@h/db', 'postgres://u:***@h/db'],
  ])('the DSN %s is shown as %s', (dsn, shown) => { expect(redactDsn(dsn)).toBe(shown); });
  it.each([
    ['postgresql://evidock@db.example.org/evidock', /give the receiver's LAN IP address/],
    ['postgresql://evidock:pw@8.8.8.8:5432/evidock', /8\.8\.8\.8 is not a private/],
  ])('a catalog off the LAN (%s) is refused before any connection (invariant 6)', async (dsn, why) => {
    const err = await Catalog.connect({ dsn }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toMatch(why);
    expect((err as Error).message).not.toContain(':pw@');
  });
});

describe('change capture (migration 13)', () => {
  it('an insert, an update and a delete each put the row key in the outbox; cursors only move forward and drop what was sent', () => {
    const c = openCustody(tmp());
    try {
      const ctx = c.ctx();
      const start = repo.outboxAfter(ctx, 0, 1000).length;
      c.upsertDevice({ serial: 'CAM1', profile: 'generic', inRoster: false });
      const id = c.raiseAlert({ kind: 'k', severity: 'info', message: 'm' });
      c.ackAlert(id, 'H1', 'done');
      const items = repo.outboxAfter(ctx, 0, 1000).slice(start);
      expect(items.map((i) => [i.tbl, i.rid])).toEqual(expect.arrayContaining([['devices', '[1]'], ['alerts', `[${id}]`]]));
      expect(items.filter((i) => i.tbl === 'alerts')).toHaveLength(2); // raised, acknowledged
      expect(items.some((i) => i.tbl === 'audit_log')).toBe(false); // sent by seq, not captured
      const rows = repo.currentRows(ctx, items);
      expect(rows.filter((r) => r.tbl === 'alerts')).toHaveLength(1); // one key, read once
      expect(rows.find((r) => r.tbl === 'alerts')!.row).toMatchObject({ acked_by: 'H1', ack_note: 'done' });
      const last = items[items.length - 1]!.seq;
      repo.advanceCursor(ctx, 'outbox', last);
      repo.advanceCursor(ctx, 'outbox', 1); // never backwards
      expect(repo.cursor(ctx, 'outbox')).toBe(last);
      expect(repo.outboxAfter(ctx, 0, 1000)).toEqual([]);
      // A new change after everything was sent and deleted gets a higher seq (AUTOINCREMENT).
      c.upsertDevice({ serial: 'CAM2', profile: 'generic', inRoster: false });
      expect(repo.outboxAfter(ctx, last, 10)[0]!.seq).toBeGreaterThan(last);
      expect(repo.backlog(ctx)).toMatchObject({ rows: 1, auditEntries: c.auditHead().seq });
    } finally {
      c.close();
    }
  });

  it('rows that existed before the migration are seeded into the outbox; deletes are captured with the old key', () => {
    const file = path.join(tmp(), 'custody.db');
    const db = new Database(file);
    migrate(db, MIGRATIONS.filter((m) => m.version < 13));
    db.prepare("INSERT INTO units (code, name) VALUES ('U1', 'one')").run();
    db.prepare("INSERT INTO retention_grace (recording_id, graced_at, purge_after, rule, keep_until) VALUES (5, 'a', 'b', 'c', 'd')").run();
    migrate(db);
    const c = new Custody(file, db);
    try {
      const ctx = c.ctx();
      expect(repo.outboxAfter(ctx, 0, 100).map((i) => [i.tbl, i.rid])).toEqual([['retention_grace', '[5]'], ['units', '["U1"]']]);
      db.prepare('DELETE FROM retention_grace WHERE recording_id = 5').run();
      const del = repo.outboxAfter(ctx, 0, 100).at(-1)!;
      expect([del.tbl, del.rid]).toEqual(['retention_grace', '[5]']);
      expect(repo.currentRows(ctx, [del])).toEqual([{ tbl: 'retention_grace', rid: '[5]', row: null }]);
    } finally {
      c.close();
    }
  });

  it('without a catalog the outbox is emptied; once one is configured every row is queued again, once', () => {
    const c = openCustody(tmp());
    try {
      const ctx = c.ctx();
      c.upsertDevice({ serial: 'CAM1', profile: 'generic', inRoster: false });
      c.raiseAlert({ kind: 'k', severity: 'info', message: 'm' });
      expect(repo.outboxAfter(ctx, 0, 1000).length).toBeGreaterThan(0);
      expect(repo.dropOutboxUnconfigured(ctx)).toBeGreaterThan(0);
      expect(repo.outboxAfter(ctx, 0, 1000)).toEqual([]);
      expect(repo.reseedIfNeeded(ctx)).toBe(true);
      const queued = repo.outboxAfter(ctx, 0, 1000).map((i) => `${i.tbl}${i.rid}`).sort();
      expect(queued).toEqual(['alerts[1]', 'devices[1]']);
      expect(repo.reseedIfNeeded(ctx)).toBe(false);
      expect(repo.dropOutboxUnconfigured(ctx)).toBe(2);
      expect(repo.dropOutboxUnconfigured(ctx)).toBe(0); // nothing to drop: the reseed note stays as it was
      expect(repo.reseedIfNeeded(ctx)).toBe(true);
    } finally {
      c.close();
    }
  });

  it.each([
    ['recordings', true], ['audit_log', false], ['catalog_outbox', false], ['purge_authorisation', false], ['alert_deliveries', false],
    ['upstream_objects', false], ['object_queue', false], ['handovers', true], ['sqlite_sequence', false],
  ])('table %s mirrored: %s', (t, yes) => { expect(mirrored(t)).toBe(yes); });
});

describe('the report snapshot', () => {
  it('a camera seen by two stations is one device; each station\'s sessions point at it', () => {
    const db = openSnapshotDatabase();
    try {
      const dev = (id: number) => ({ id, serial: 'CAM1', profile: 'p', first_seen: 'a', last_seen: 'b', assigned: 1 });
      const ses = (id: number, device: number) => ({ id, device_id: device, profile: 'p', source_path: '/', started_at: 'a', status: 'complete' });
      expect(insertSnapshotRows(db, 'devices', [dev(1e9 + 1)])).toMatchObject({ inserted: 1, merged: [] });
      insertSnapshotRows(db, 'dock_sessions', [ses(1e9 + 1, 1e9 + 1)]);
      const second = insertSnapshotRows(db, 'devices', [dev(2e9 + 1)]);
      expect(second).toMatchObject({ inserted: 0, merged: [{ id: 2e9 + 1, into: 1e9 + 1 }] });
      insertSnapshotRows(db, 'dock_sessions', [ses(2e9 + 1, 2e9 + 1)]);
      repointReferences(db, 'devices', 2e9 + 1, 1e9 + 1);
      const c = new Custody(':snapshot:', db);
      expect(c.compliance.complianceSessions(null).map((s) => [s.id, s.device])).toEqual([[1e9 + 1, 'CAM1'], [2e9 + 1, 'CAM1']]);
      // Columns the snapshot does not know (a newer station) are left out rather than failing.
      expect(insertSnapshotRows(db, 'units', [{ code: 'U', name: 'u', some_future_column: 1 }])).toMatchObject({ inserted: 1 });
    } finally {
      db.close();
    }
  });
});
