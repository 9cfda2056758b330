// Issue 7 defect 1: no file leaves a camera without an audit entry naming it. The intent
// (`camera.wipe`) is committed before the unlink; a failed unlink is audited as
// `camera.wipe.failed`; when the intent cannot be audited, nothing is deleted.
// Issue 8: a file is wiped only once its object has its disk proof.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { runDockSession } from '../../src/session/dock-session.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import { wipeVerified } from '../../src/session/wipe.js';
import { createCameraVolume } from '../../src/sim/index.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { PROFILES, ctxOf, labelledVolume, station, type Station } from '../ingest/dock-helpers.js';

const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = () => { const s = station(); stations.push(s); return s; };
const sim = { clips: 1, seconds: 1, photos: 2, audio: 0, timezone: '+08:00' } as const;
const WIPING = PROFILES.map((p) => ({ ...p, wipe: 'afterVerify' as const }));
const onCamera = (cam: string) => fs.readdirSync(path.join(cam, 'DCIM/100MEDIA')).sort();

async function ingested(s: Station, serial: string) {
  const cam = path.join(s.dir, 'cam');
  const made = await createCameraVolume(cam, { ...sim, personality: 'labelled', serial, badge: '000001' });
  const r = await runDockSession(await labelledVolume(cam, serial), ctxOf(s), s, { awaitProof: true });
  expect(r).toMatchObject({ status: 'complete', verified: true });
  return { cam, made, session: r.session };
}

describe('wipe audits before it deletes', () => {
  it('keeps every file when the intent cannot be audited', async () => {
    const s = open();
    const { cam, made, session } = await ingested(s, 'WAU0001');
    // The audit log refuses camera.wipe entries (a real SQLite failure inside the append).
    const db = new Database(s.custody.file);
    db.exec(`CREATE TRIGGER no_wipe_audit BEFORE INSERT ON audit_log WHEN NEW.event = 'camera.wipe'
      BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`);
    db.close();
    const before = onCamera(cam);
    const res = await wipeVerified({ volume: await directoryVolume(cam), profile: GENERIC_PROFILE, deviceSerial: 'WAU0001', sessionId: session }, s);
    expect(onCamera(cam)).toEqual(before);
    expect(res.deleted).toEqual([]);
    expect(res.error).toMatch(/audit of the wipe of .* failed, nothing more deleted/);
    expect(res.kept.map((k) => k.path).sort()).toEqual(made.files.map((f) => f.path).sort());
  });

  it('audits the intent before the unlink and the failure after a failed unlink', async () => {
    if (process.getuid?.() !== 0) { console.log('skip: needs root for a read-only bind mount'); return; }
    const s = open();
    const { cam, made, session } = await ingested(s, 'WAU0002');
    const ro = path.join(s.dir, 'ro');
    fs.mkdirSync(ro);
    expect(spawnSync('mount', ['--bind', cam, ro]).status).toBe(0);
    try {
      expect(spawnSync('mount', ['-o', 'remount,bind,ro', ro]).status).toBe(0);
      const volume = { ...(await directoryVolume(cam)), withWritable: <T>(fn: (root: string) => Promise<T>) => fn(ro) };
      const seq0 = s.custody.auditHead().seq;
      const res = await wipeVerified({ volume, profile: GENERIC_PROFILE, deviceSerial: 'WAU0002', sessionId: session }, s);
      expect(res.deleted).toEqual([]);
      expect(res.kept.map((k) => k.reason)).toEqual(made.files.map(() => 'delete failed (EROFS)'));
      const entries = s.custody.listAudit({ afterSeq: seq0 }).filter((e) => e.event.startsWith('camera.wipe'));
      // intent, then failure, per file, each naming path, hash, size and recording
      expect(entries.map((e) => e.event)).toEqual(made.files.flatMap(() => ['camera.wipe', 'camera.wipe.failed']));
      for (const e of entries) expect(e.payload).toMatchObject({ sourcePath: expect.any(String), sha256: expect.stringMatching(/^[0-9a-f]{64}$/), size: expect.any(Number), recordingId: expect.any(Number) });
      expect(entries.filter((e) => e.event === 'camera.wipe.failed').every((e) => (e.payload as { error: string }).error === 'EROFS')).toBe(true);
    } finally {
      spawnSync('umount', [ro]);
    }
    expect(onCamera(cam)).toHaveLength(made.files.length);
  });

  it('every deleted file has its camera.wipe entry, written before the file went', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'labelled', serial: 'WAU0003', badge: '000003' });
    const r = await runDockSession(await labelledVolume(cam, 'WAU0003'), ctxOf(s, WIPING), s);
    const deleted = r.wipe && 'deleted' in r.wipe ? r.wipe.deleted : [];
    expect(deleted.sort()).toEqual(made.files.map((f) => f.path).sort());
    const wipes = s.custody.listAudit({ event: 'camera.wipe' });
    expect(wipes.map((e) => (e.payload as { sourcePath: string }).sourcePath).sort()).toEqual(deleted.sort());
    expect(s.custody.verifyAuditChain().ok).toBe(true);
  });

  it('keeps a file whose object has no disk proof yet', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    await createCameraVolume(cam, { ...sim, photos: 1, clips: 0, personality: 'labelled', serial: 'WAU0004', badge: '000004' });
    // Ingest without the proof stage: the objects stay unproven.
    const { ingestVolume } = await import('../../src/ingest/ingest-volume.js');
    const prof = PROFILES.find((p) => p.name === 'generic')!;
    const sum = await ingestVolume({ root: cam, profile: prof, config: s.config, hints: { serial: 'WAU0004' } }, s);
    expect(sum.stored).toBe(1);
    const res = await wipeVerified({ volume: await directoryVolume(cam), profile: prof, deviceSerial: 'WAU0004', sessionId: sum.session }, s);
    expect(res.deleted).toEqual([]);
    expect(res.kept.map((k) => k.reason)).toEqual(['stored object not yet proven from the disk']);
    expect(s.custody.listAudit({ event: 'camera.wipe' })).toEqual([]);
  });
});
