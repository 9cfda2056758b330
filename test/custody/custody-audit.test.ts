// Issue 7, defect 8: every custody change leaves an audit entry, and what a recording is or where
// it came from cannot be changed by an UPDATE (only the clock correction, through one audited function).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { openCustody, type Custody } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { verifyCustody } from '../../src/integrity/verify.js';
import { auditedVolume } from '../../src/session/audited-volume.js';
import { sha, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let custody: Custody;
beforeEach(() => { tmp = tempDir(); custody = openCustody(tmp.dir); });
afterEach(() => { custody.close(); tmp.cleanup(); });

const raw = (): Database.Database => new Database(path.join(tmp.dir, 'custody.db'));
const events = () => custody.listAudit().map((e) => e.event);

function seed(offset: number | null = 60): number {
  custody.upsertDevice({ serial: 'ABC1234', profile: 'generic', inRoster: true });
  const sessionId = custody.startSession({ deviceSerial: 'ABC1234', profile: 'generic', sourcePath: '/media/cam' });
  return custody.commitRecording({
    sessionId, deviceSerial: 'ABC1234', badge: '000123', sourcePath: 'DCIM/100MEDIA/a.MP4', size: 10, mtimeMs: 1000,
    sha256: sha(1), recordedStart: '2026-11-26T00:30:00Z', recordedEnd: '2026-11-26T00:35:00Z', durationS: 300,
    startSource: 'filename', mediaKind: 'video', clockOffsetS: offset,
  }).recordingId;
}

describe('devices', () => {
  it('a first registration is audited once; a changed fact is audited; a plain re-dock adds nothing', () => {
    custody.upsertDevice({ serial: 'ABC1234', profile: 'generic', inRoster: false });
    expect(custody.listAudit({ event: 'device.registered' }).map((e) => e.payload)).toEqual([
      { deviceId: 1, serial: 'ABC1234', profile: 'generic', model: null, usbSerial: null, assigned: false }]);
    custody.upsertDevice({ serial: 'ABC1234', profile: 'generic', inRoster: false });
    expect(events()).toEqual(['device.registered']);
    custody.upsertDevice({ serial: 'ABC1234', profile: 'generic', usbSerial: 'USB9', inRoster: true });
    expect(custody.listAudit({ event: 'device.updated' }).map((e) => e.payload)).toEqual([{
      deviceId: 1, serial: 'ABC1234', changed: ['usbSerial', 'assigned'],
      before: { usbSerial: null, assigned: false }, after: { usbSerial: 'USB9', assigned: true } }]);
    expect(custody.verifyAuditChain().ok).toBe(true);
  });
});

describe('objects marked verified', () => {
  it('markVerified names every object it marked in one audit entry, and only those that exist', () => {
    seed();
    const n = custody.markVerified([sha(1), sha(1), sha(7)], '2026-11-27T00:00:00Z', 'disk-proof');
    expect(n).toBe(1);
    expect(custody.listObjects()[0]).toMatchObject({ sha256: sha(1), verifiedAt: '2026-11-27T00:00:00.000Z' });
    expect(custody.listAudit({ event: 'object.verified' }).map((e) => e.payload)).toEqual([
      { at: '2026-11-27T00:00:00.000Z', count: 1, sha256s: [sha(1)], how: 'disk-proof' }]);
    expect(custody.markVerified([], new Date())).toBe(0);
    expect(custody.listAudit({ event: 'object.verified' })).toHaveLength(1);
  });
});

describe('recordings are immutable where it matters', () => {
  it.each([
    ['session_id', 'NULL'], ['device_id', '2'], ['device_serial', "'XYZ9999'"], ['badge', "'999999'"], ['badge', 'NULL'],
    ['source_path', "'DCIM/b.MP4'"], ['size', '11'], ['mtime_ms', '2000'], ['sha256', `'${sha(2)}'`],
    ['recorded_start', "'2020-01-01T00:00:00.000Z'"], ['recorded_end', 'NULL'], ['duration_s', '12.5'],
    ['start_source', "'mtime'"], ['media_kind', "'photo'"], ['ingested_at', "'2000-01-01T00:00:00.000Z'"],
  ])('UPDATE of %s to %s is refused', (col, value) => {
    const id = seed();
    custody.upsertDevice({ serial: 'XYZ9999', profile: 'generic', inRoster: true }); // device 2 exists
    const db = raw();
    try {
      expect(() => db.prepare(`UPDATE recordings SET ${col} = ${value} WHERE id = ${id}`).run()).toThrow('recordings identity columns are immutable');
    } finally { db.close(); }
  });

  it.each([['clock_offset_s', '0'], ['corrected_start', "'2026-11-26T00:00:00.000Z'"], ['corrected_end', 'NULL']])(
    'a raw UPDATE of %s is refused', (col, value) => {
      const id = seed();
      const db = raw();
      try {
        expect(() => db.prepare(`UPDATE recordings SET ${col} = ${value} WHERE id = ${id}`).run()).toThrow(/only through correctRecordingTimes/);
      } finally { db.close(); }
    });

  it('an object stored_at is refused too', () => {
    seed();
    const db = raw();
    try {
      expect(() => db.prepare(`UPDATE objects SET stored_at = 'x'`).run()).toThrow('objects identity columns are immutable');
    } finally { db.close(); }
  });

  it('correctRecordingTimes changes the correction, audited first with the old and new values', () => {
    const id = seed(60);
    const r = custody.correctRecordingTimes(id, -30, 'offset re-measured at the next dock');
    expect(r).toMatchObject({ clockOffsetS: -30, correctedStart: '2026-11-26T00:30:30.000Z', correctedEnd: '2026-11-26T00:35:30.000Z',
      recordedStart: '2026-11-26T00:30:00.000Z' });
    const last = custody.listAudit().at(-1)!;
    expect(last).toMatchObject({ event: 'recording.times.corrected', payload: {
      recordingId: id, reason: 'offset re-measured at the next dock', clockOffsetS: -30,
      correctedStart: '2026-11-26T00:30:30.000Z', correctedEnd: '2026-11-26T00:35:30.000Z',
      before: { clockOffsetS: 60, correctedStart: '2026-11-26T00:29:00.000Z', correctedEnd: '2026-11-26T00:34:00.000Z' } } });
    // Clearing a correction is a correction too.
    expect(custody.correctRecordingTimes(id, null, 'offset found to be wrong')).toMatchObject({ clockOffsetS: null, correctedStart: null });
    expect(() => custody.correctRecordingTimes(id, 5, ' ')).toThrow(/reason/);
    expect(custody.verifyAuditChain().ok).toBe(true);
  });

  it('the audit entry admits exactly its own values: a raw UPDATE right behind it with other values is refused', () => {
    const id = seed(60);
    custody.correctRecordingTimes(id, -30, 'test');
    const db = raw();
    try {
      expect(() => db.prepare(`UPDATE recordings SET corrected_start = '2000-01-01T00:00:00.000Z' WHERE id = ${id}`).run())
        .toThrow(/only through correctRecordingTimes/);
    } finally { db.close(); }
  });
});

describe('verify runs are custody events', () => {
  async function stored(n: number): Promise<{ store: ObjectStore; hashes: string[] }> {
    const store = ObjectStore.forDataDir(tmp.dir);
    custody.upsertDevice({ serial: 'ABC1234', profile: 'generic', inRoster: true });
    const sessionId = custody.startSession({ deviceSerial: 'ABC1234', profile: 'generic', sourcePath: '/media/cam' });
    const hashes: string[] = [];
    for (let i = 0; i < n; i++) {
      const src = path.join(tmp.dir, `f${i}.bin`);
      fs.writeFileSync(src, randomBytes(1000 + i));
      const r = await store.ingestFile(src);
      custody.commitRecording({ sessionId, deviceSerial: 'ABC1234', sourcePath: `f${i}.bin`, size: r.size, mtimeMs: 1, sha256: r.sha256,
        recordedStart: '2026-11-26T00:30:00Z', startSource: 'mtime', mediaKind: 'other' });
      hashes.push(r.sha256);
    }
    return { store, hashes };
  }

  it('a passing run says what it checked; no alert', async () => {
    const { store, hashes } = await stored(3);
    const r = await verifyCustody(custody, store, { count: 2 });
    expect(r).toMatchObject({ objects: 3, checked: 2, ok: 2 });
    expect(custody.listAudit({ event: 'verify.run' }).map((e) => e.payload)).toEqual([expect.objectContaining({
      objects: 3, sample: { count: 2 }, checked: 2, okObjects: 2, ok: true, missing: [], mismatched: [] })]);
    const verified = custody.listAudit({ event: 'object.verified' }).at(-1)!.payload as { sha256s: string[]; how: string };
    expect(verified.how).toBe('verify');
    expect(verified.sha256s.every((h) => hashes.includes(h))).toBe(true);
    expect(custody.listAlerts({ open: true })).toEqual([]);
  });

  it('a failing run names every failure in the audit entry and raises a critical integrity alert', async () => {
    const { store, hashes } = await stored(3);
    const [gone, rotten] = [hashes[0]!, hashes[1]!];
    fs.rmSync(store.pathFor(gone), { force: true });
    const rot = store.pathFor(rotten);
    fs.chmodSync(rot, 0o644);
    const buf = fs.readFileSync(rot);
    buf[0] = buf[0]! ^ 0xff;
    fs.writeFileSync(rot, buf);
    expect(createHash('sha256').update(buf).digest('hex')).not.toBe(rotten);
    const r = await verifyCustody(custody, store);
    expect(r).toMatchObject({ missing: [gone], mismatched: [rotten] });
    const entry = custody.listAudit({ event: 'verify.run' }).at(-1)!.payload;
    expect(entry).toMatchObject({ ok: false, sample: 'all', checked: 3, missing: [gone], mismatched: [rotten], auditChain: { ok: true } });
    const alerts = custody.listAlerts({ open: true });
    expect(alerts).toEqual([expect.objectContaining({ id: r.alertId, kind: 'integrity', severity: 'critical' })]);
    expect(alerts[0]!.message).toContain(gone);
    expect(alerts[0]!.message).toContain(rotten);
  });
});

describe('read-write remounts of a camera', () => {
  const volume = (log: string[], fail = false) => ({
    root: '/cam', source: 'cli' as const, device: { path: '/dev/sdz1', fstype: 'vfat' },
    async withWritable<T>(fn: (root: string) => Promise<T>): Promise<T> {
      log.push(`remount rw (audit so far: ${events().join(',')})`);
      if (fail) throw new Error('mount: permission denied');
      return fn('/cam');
    },
  });

  it('are audited before the remount, and the way back after', async () => {
    const log: string[] = [];
    const v = auditedVolume(volume(log), custody, { purpose: 'clock-sync', sessionId: 7, deviceSerial: 'ABC1234' });
    expect(await v.withWritable!(async () => 'written')).toBe('written');
    expect(log).toEqual(['remount rw (audit so far: camera.remount.rw)']);
    expect(custody.listAudit().map((e) => [e.event, (e.payload as { purpose: string }).purpose])).toEqual([
      ['camera.remount.rw', 'clock-sync'], ['camera.remount.ro', 'clock-sync']]);
    expect(custody.listAudit()[0]!.payload).toMatchObject({ sessionId: 7, deviceSerial: 'ABC1234', devicePath: '/dev/sdz1', root: '/cam' });
  });

  it('a failed remount is audited with its error and still thrown', async () => {
    const v = auditedVolume(volume([], true), custody, { purpose: 'wipe', sessionId: 7, deviceSerial: 'ABC1234' });
    await expect(v.withWritable!(async () => 1)).rejects.toThrow(/permission denied/);
    expect(custody.listAudit().map((e) => e.event)).toEqual(['camera.remount.rw', 'camera.remount.failed']);
    expect(custody.listAudit()[1]!.payload).toMatchObject({ error: 'mount: permission denied' });
  });
});
