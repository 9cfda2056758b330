// verify replays the audit log against custody: a badge changed through SQL (triggers in place),
// a recording re-pointed to another object and a recording deleted with its object row and file
// (triggers dropped) each pass the older checks but are named here, exit 3, critical alert.
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { tempDir, makeRandomVolume, writeConfig, objectPath } from '../helpers/volumes.js';
import { reconcile } from '../../src/integrity/reconcile.js';
import type { RecordingRow } from '../../src/custody/index.js';

let dir: string;
let cfg: { file: string; dataDir: string };
beforeEach(() => {
  dir = tempDir('reconcile');
  cfg = writeConfig(dir);
  makeRandomVolume(path.join(dir, 'cam'), { sizes: [4096, 8192, 16384] });
  const r = runCli(['--config', cfg.file, 'ingest', path.join(dir, 'cam'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  const v = runCli(['--config', cfg.file, 'verify', '--json']);
  expect(v.code, v.stdout).toBe(0);
  expect(JSON.parse(v.stdout).reconcile).toMatchObject({ ok: true, live: 3, committed: 3, problems: [] });
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

function sql(fn: (db: Database.Database) => void): void {
  const db = new Database(path.join(cfg.dataDir, 'custody.db'));
  try { fn(db); } finally { db.close(); }
}
const commitSeq = (db: Database.Database, id: number) =>
  (db.prepare("SELECT seq FROM audit_log WHERE event = 'recording.commit' AND json_extract(payload, '$.recordingId') = ?").get(id) as { seq: number }).seq;

function verify(): { code: number; report: { reconcile: { ok: boolean; problems: string[] }; auditChain: { ok: boolean }; missing: string[] } } {
  const v = runCli(['--config', cfg.file, 'verify', '--json']);
  return { code: v.code, report: JSON.parse(v.stdout) };
}

describe('verify reconciles custody with the audit log', () => {
  it('names a badge, start and duration changed through SQL with the triggers in place', () => {
    let seq = 0;
    sql((db) => {
      seq = commitSeq(db, 2);
      db.prepare("UPDATE recordings SET badge = 'XX9999', corrected_start = '2020-01-01T00:00:00.000Z', duration_s = 1 WHERE id = 2").run();
    });
    const { code, report } = verify();
    expect(code).toBe(3);
    expect(report.auditChain.ok).toBe(true);
    expect(report.reconcile.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^recording 2: badge is "XX9999", the audit log says .* \\(committed at seq ${seq}\\)$`)),
      expect.stringMatching(/^recording 2: correctedStart is "2020-01-01T00:00:00.000Z"/),
      expect.stringMatching(/^recording 2: durationS is 1, the audit log says/),
    ]));
    const alerts = JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout).openAlerts as { kind: string; severity: string; message: string }[];
    expect(alerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'verify.integrity', severity: 'critical' })]));
  });

  it('names a recording re-pointed to another object (triggers dropped)', () => {
    let shas: { id: number; sha256: string }[] = [];
    sql((db) => {
      db.exec('DROP TRIGGER recordings_identity_immutable');
      shas = db.prepare('SELECT id, sha256 FROM recordings ORDER BY id').all() as { id: number; sha256: string }[];
      db.prepare('UPDATE recordings SET sha256 = ?, size = (SELECT size FROM objects WHERE sha256 = ?) WHERE id = 1').run(shas[2]!.sha256, shas[2]!.sha256);
    });
    const { code, report } = verify();
    expect(code).toBe(3);
    expect(report.reconcile.problems).toEqual(expect.arrayContaining([
      expect.stringMatching(new RegExp(`^recording 1: sha256 is "${shas[2]!.sha256}", the audit log says "${shas[0]!.sha256}"`)),
    ]));
  });

  it('names a recording deleted with its object row and file (triggers dropped)', () => {
    let seq = 0;
    let sha = '';
    sql((db) => {
      db.exec('DROP TRIGGER recordings_no_delete; DROP TRIGGER objects_no_delete;');
      seq = commitSeq(db, 3);
      sha = (db.prepare('SELECT sha256 FROM recordings WHERE id = 3').get() as { sha256: string }).sha256;
      db.prepare('DELETE FROM recordings WHERE id = 3').run();
      db.prepare('DELETE FROM objects WHERE sha256 = ?').run(sha);
    });
    fs.rmSync(objectPath(cfg.dataDir, sha));
    const { code, report } = verify();
    expect(code).toBe(3);
    expect(report.missing).toEqual([]); // the store check alone no longer knows the object
    expect(report.reconcile.problems).toContain(`recording 3: committed at seq ${seq}, missing`);
  });
});

describe('audited changes', () => {
  it('a change through custody.updateRecording is replayed, not reported; the same change by hand is', async () => {
    const { openCustody } = await import('../../src/custody/index.js');
    const c = openCustody(cfg.dataDir);
    try {
      c.updateRecording(1, { badge: 'B00002', durationS: 12.5 }, 'camera was worn by B00002 (custodian correction)');
      expect(() => c.updateRecording(1, { sha256: 'x' } as never, 'no')).toThrow(/sha256 cannot change/);
    } finally {
      c.close();
    }
    expect(verify().code).toBe(0);
    sql((db) => db.prepare("UPDATE recordings SET badge = '000123' WHERE id = 1").run());
    const { code, report } = verify();
    expect(code).toBe(3);
    expect(report.reconcile.problems).toEqual([expect.stringMatching(/^recording 1: badge is "000123", the audit log says "B00002" \(committed at seq \d+, changed at seq \d+\)$/)]);
  });
});

describe('reconcile (pure)', () => {
  const row = (id: number, over: Partial<RecordingRow> = {}): RecordingRow => ({
    id, sha256: 'a'.repeat(64), size: 10, device: 'DEV0001', badge: null, sourcePath: `/f${id}`, recordedStart: 't', recordedEnd: null,
    ingestedAt: 'i', durationS: null, sessionId: 1, mediaKind: 'video', startSource: 'mtime', mtimeMs: 0, clockOffsetS: null,
    correctedStart: null, correctedEnd: null, ...over,
  });
  const commit = (seq: number, r: RecordingRow) => ({ seq, event: 'recording.commit', payload: { recordingId: r.id, deviceSerial: r.device, sha256: r.sha256, size: r.size, badge: r.badge } });
  const base = { objects: new Map([['a'.repeat(64), 10]]), storeHas: () => true };

  it.each([
    ['clean', [commit(1, row(1))], [row(1)], []],
    ['audited change applied', [commit(1, row(1)), { seq: 2, event: 'recording.update', payload: { recordingId: 1, set: { badge: 'B00001' } } }], [row(1, { badge: 'B00001' })], []],
    ['unaudited change', [commit(1, row(1))], [row(1, { badge: 'B00001' })], ['recording 1: badge is "B00001", the audit log says null (committed at seq 1)']],
    ['tombstoned and gone', [commit(1, row(1)), { seq: 2, event: 'recording.tombstone', payload: { recordingId: 1 } }], [], []],
    ['deleted without tombstone', [commit(5, row(1))], [], ['recording 1: committed at seq 5, missing']],
    ['never committed', [], [row(4)], ['recording 4: present but never committed (no recording.commit entry)']],
    ['object row missing', [commit(1, row(1, { sha256: 'b'.repeat(64) }))], [row(1, { sha256: 'b'.repeat(64) })], [`recording 1: object ${'b'.repeat(64)} has no object row`]],
  ] as const)('%s', (_name, entries, recordings, problems) => {
    const r = reconcile({ ...base, entries: entries as never, recordings: recordings as never });
    expect(r.problems).toEqual(problems);
    expect(r.ok).toBe(problems.length === 0);
  });

  it('names an object file missing from the store', () => {
    const r = reconcile({ ...base, storeHas: () => false, entries: [commit(1, row(1))], recordings: [row(1)] });
    expect(r.problems).toEqual([`recording 1: object ${'a'.repeat(64)} is missing from the store`]);
  });
});
