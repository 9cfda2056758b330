// Migration 2: recordings keep the camera's times and carry times corrected by the dock's clock
// offset; dock sessions keep what the camera's clock said.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { MIGRATIONS, migrate } from '../../src/custody/migrations.js';
import { openCustody, type CommitRecordingInput, type Custody } from '../../src/custody/index.js';
import { correctedTime } from '../../src/custody/recordings.js';
import { sha, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let custody: Custody;
beforeEach(() => { tmp = tempDir(); custody = openCustody(tmp.dir); });
afterEach(() => { custody.close(); tmp.cleanup(); });

function session(): number {
  custody.upsertDevice({ serial: 'ABC1234', profile: 'zfy-generic', inRoster: true });
  return custody.startSession({ deviceSerial: 'ABC1234', profile: 'zfy-generic', sourcePath: '/media/cam' });
}
const rec = (sessionId: number, over: Partial<CommitRecordingInput> = {}): CommitRecordingInput => ({
  sessionId, deviceSerial: 'ABC1234', sourcePath: 'DCIM/a.MP4', size: 10, mtimeMs: 1000, sha256: sha(1),
  recordedStart: '2026-11-26T08:30:00Z', recordedEnd: '2026-11-26T08:35:00Z', startSource: 'filename', mediaKind: 'video', ...over,
});

describe('correctedTime (pure)', () => {
  it.each([
    ['2026-11-26T08:30:00.000Z', 90, '2026-11-26T08:28:30.000Z'], // camera 90 s fast
    ['2026-11-26T08:30:00.000Z', -3600, '2026-11-26T09:30:00.000Z'], // camera an hour slow
    ['2026-11-26T08:30:00.000Z', 0, '2026-11-26T08:30:00.000Z'],
    ['2026-11-26T08:30:00.000Z', 0.4, '2026-11-26T08:29:59.600Z'],
    ['2026-11-26T08:30:00.000Z', null, null], // not measured: no correction, not a zero one
    [null, 90, null],
  ] as const)('%s with offset %s → %s', (iso, off, want) => {
    expect(correctedTime(iso, off)).toBe(want);
  });
});

describe('clock correction in custody', () => {
  it('stores corrected start and end beside the untouched camera times', () => {
    const sid = session();
    const { recordingId } = custody.commitRecording(rec(sid, { clockOffsetS: -7200 }));
    expect(custody.getRecording(recordingId)).toMatchObject({
      recordedStart: '2026-11-26T08:30:00.000Z', recordedEnd: '2026-11-26T08:35:00.000Z',
      clockOffsetS: -7200, correctedStart: '2026-11-26T10:30:00.000Z', correctedEnd: '2026-11-26T10:35:00.000Z',
    });
  });

  it('leaves the correction empty when no offset was measured', () => {
    const sid = session();
    const { recordingId } = custody.commitRecording(rec(sid));
    expect(custody.getRecording(recordingId)).toMatchObject({ clockOffsetS: null, correctedStart: null, correctedEnd: null });
  });

  it('refuses a non-finite offset', () => {
    const sid = session();
    expect(() => custody.commitRecording(rec(sid, { clockOffsetS: Number.NaN }))).toThrow(/clockOffsetS/);
  });

  it('the camera time stays immutable even though the correction sits in the same row', () => {
    const sid = session();
    const { recordingId } = custody.commitRecording(rec(sid, { clockOffsetS: 60 }));
    custody.close();
    const db = new Database(path.join(tmp.dir, 'custody.db'));
    try {
      expect(() => db.prepare("UPDATE recordings SET recorded_start = '2000-01-01T00:00:00.000Z' WHERE id = ?").run(recordingId))
        .toThrow(/immutable/);
    } finally { db.close(); }
    custody = openCustody(tmp.dir);
  });

  it('records the clock source and camera time of a dock session, audited', () => {
    const sid = session();
    custody.recordSessionChecks(sid, { clockOffsetS: 12, clockSource: 'zfy', cameraTime: new Date('2026-11-26T10:00:12Z'), batteryPct: 80 });
    expect(custody.getSession(sid)).toMatchObject({ clockOffsetS: 12, clockSource: 'zfy', cameraTime: '2026-11-26T10:00:12.000Z', batteryPct: 80 });
    const entry = custody.listAudit({ event: 'dock.session.checks' }).at(-1);
    expect(entry?.payload).toMatchObject({ sessionId: sid, clockSource: 'zfy', cameraTime: '2026-11-26T10:00:12.000Z' });
  });

  it('upgrades a version-1 database in place, keeping its recordings', () => {
    custody.close();
    const file = path.join(tmp.dir, 'v1', 'custody.db');
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    migrate(db, MIGRATIONS.filter((m) => m.version === 1));
    db.prepare("INSERT INTO devices (serial, profile, first_seen, last_seen) VALUES ('OLD0001', 'generic', 'x', 'x')").run();
    db.prepare(`INSERT INTO objects (sha256, size, stored_at) VALUES (?, 10, 'x')`).run(sha(9));
    db.prepare(`INSERT INTO recordings (device_id, device_serial, source_path, size, mtime_ms, sha256, recorded_start,
      start_source, media_kind, ingested_at) VALUES (1, 'OLD0001', 'a', 10, 0, ?, '2026-01-01T00:00:00.000Z', 'filename', 'video', 'x')`).run(sha(9));
    db.close();
    const upgraded = openCustody(path.dirname(file));
    try {
      expect(upgraded.schemaVersion).toBeGreaterThanOrEqual(2);
      expect(upgraded.listRecordings()).toEqual([expect.objectContaining({
        device: 'OLD0001', recordedStart: '2026-01-01T00:00:00.000Z', clockOffsetS: null, correctedStart: null })]);
    } finally { upgraded.close(); }
    custody = openCustody(tmp.dir);
  });
});
