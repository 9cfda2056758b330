// Wipe after verify: a file leaves the camera only when the camera's bytes are a committed
// recording of this device and the stored object re-verifies now. Everything else stays.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDockSession } from '../../src/session/dock-session.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import { keepReason, wipeVerified } from '../../src/session/wipe.js';
import { createCameraVolume } from '../../src/sim/index.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import type { DockedVolume } from '../../src/dock/volume.js';
import { objectPath, sha256File } from '../helpers/volumes.js';
import { PROFILES, ctxOf, labelledVolume, station, type Station } from '../ingest/dock-helpers.js';

const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = (cfg: Record<string, unknown> = {}) => { const s = station(cfg); stations.push(s); return s; };
const sim = { clips: 2, seconds: 1, photos: 2, audio: 1, timezone: '+08:00' } as const;
const WIPING = PROFILES.map((p) => ({ ...p, wipe: 'afterVerify' as const }));
const onCamera = (cam: string) => fs.readdirSync(path.join(cam, 'DCIM/100MEDIA')).sort();

function flipByte(file: string): void {
  fs.chmodSync(file, 0o644);
  const b = fs.readFileSync(file);
  b[b.length >> 1] ^= 0xff;
  fs.writeFileSync(file, b);
  fs.chmodSync(file, 0o444);
}

describe('keepReason (pure)', () => {
  const c = { sha256: 'a', size: 1 };
  it.each([
    [[], c, 'ok', 'not committed'],
    [[c], undefined, 'ok', 'unreadable on the camera'],
    [[c], { sha256: 'b', size: 1 }, 'ok', 'differs from every committed copy'],
    [[c], { sha256: 'a', size: 2 }, 'ok', 'differs from every committed copy'],
    [[c], c, 'mismatch', 'stored object mismatch'],
    [[c], c, 'missing', 'stored object missing'],
    [[{ sha256: 'x', size: 9 }, c], c, 'ok', undefined],
  ] as const)('committed %j, camera %j, store %s → %s', (committed, cam, check, want) => {
    expect(keepReason([...committed], cam, check)).toBe(want);
  });
});

describe('wipe after verify', () => {
  it('deletes verified committed files, audited one by one', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'labelled', serial: 'WIP0001', badge: '000001' });
    const r = await runDockSession(await labelledVolume(cam, made.serial), ctxOf(s, WIPING), s);
    expect(r.wipe).toMatchObject({ kept: [] });
    expect(r.wipe && 'deleted' in r.wipe ? r.wipe.deleted.sort() : []).toEqual(made.files.map((f) => f.path).sort());
    expect(onCamera(cam)).toEqual([]);
    const audits = s.custody.listAudit({ event: 'camera.wipe' });
    expect(audits.map((a) => (a.payload as { sha256: string }).sha256).sort()).toEqual(made.files.map((f) => f.sha256).sort());
    for (const f of made.files) expect(fs.existsSync(objectPath(s.dataDir, f.sha256))).toBe(true);
  });

  it('keeps a file whose stored object no longer verifies, one changed on the camera since, and one never ingested', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'labelled', serial: 'WIP0002', badge: '000002' });
    const first = await runDockSession(await labelledVolume(cam, made.serial), ctxOf(s), s); // wipe: never
    expect(first).toMatchObject({ stored: made.files.length, wipe: null });

    const [rotten, changed, ...rest] = made.files.filter((f) => f.kind !== 'audio');
    flipByte(objectPath(s.dataDir, rotten!.sha256)); // the store rotted after the ingest
    const changedAbs = path.join(cam, changed!.path); // same size and mtime, other bytes
    const st = fs.statSync(changedAbs);
    const bytes = fs.readFileSync(changedAbs);
    bytes[0] ^= 0xff;
    fs.writeFileSync(changedAbs, bytes);
    fs.utimesSync(changedAbs, st.atime, st.mtime);
    fs.writeFileSync(path.join(cam, 'DCIM/100MEDIA/x..y.JPG'), 'never ingested: a bad name');

    const r = await runDockSession(await labelledVolume(cam, made.serial), ctxOf(s), s, { wipe: true });
    // The changed file has the recorded path, size and mtime but not its fingerprint: new content, stored.
    expect(r.alreadyRecorded).toBe(made.files.length - 1);
    expect(r.stored).toBe(1);
    const wipe = r.wipe as { deleted: string[]; kept: { path: string; reason: string }[] };
    expect(wipe.kept).toEqual(expect.arrayContaining([
      { path: rotten!.path, reason: 'stored object mismatch' },
      { path: 'DCIM/100MEDIA/x..y.JPG', reason: expect.stringMatching(/"\.\."/) },
    ]));
    expect(wipe.kept).toHaveLength(2);
    expect(onCamera(cam)).toEqual([path.basename(rotten!.path), 'x..y.JPG'].sort());
    expect(sha256File(path.join(cam, rotten!.path))).toBe(rotten!.sha256); // the camera still holds the good copy
    expect(wipe.deleted).toHaveLength(rest.length + made.files.filter((f) => f.kind === 'audio').length + 1);
    expect(wipe.deleted).toContain(changed!.path);
    expect(r.alerts.find((a) => a.kind === 'wipe-kept')?.message).toMatch(/2 file\(s\) kept/);
    expect(s.custody.listAudit({ event: 'camera.wipe' }).map((a) => (a.payload as { sourcePath: string }).sourcePath))
      .not.toContain(rotten!.path);
  });

  it('never deletes a file that was not committed, nor from a volume that cannot be made writable', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, clips: 1, photos: 1, audio: 0, serial: 'WIP0003', badge: '000003' });
    s.custody.upsertDevice({ serial: 'WIP0003', profile: 'generic', inRoster: false });
    const sessionId = s.custody.startSession({ deviceSerial: 'WIP0003', profile: 'generic', sourcePath: cam });
    const volume = await directoryVolume(cam);
    const res = await wipeVerified({ volume, profile: GENERIC_PROFILE, deviceSerial: 'WIP0003', sessionId }, s);
    expect(res).toEqual({ deleted: [], kept: made.files.map((f) => ({ path: f.path, reason: 'not committed' })) });
    const ro: DockedVolume = { root: cam, source: 'block', device: {} };
    expect((await wipeVerified({ volume: ro, profile: GENERIC_PROFILE, deviceSerial: 'WIP0003', sessionId }, s)).error).toMatch(/cannot be made writable/);
    expect(onCamera(cam)).toHaveLength(made.files.length);
  });

  it('does not wipe a camera outside the roster, nor an unknown one', async () => {
    const s = open({ devices: [{ serial: 'SOMEONE' }] });
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'labelled', serial: 'WIP0004', badge: '000004' });
    const r = await runDockSession(await labelledVolume(cam, made.serial), ctxOf(s, WIPING), s);
    expect(r.wipe).toEqual({ skipped: 'camera unknown (not-in-roster)' });
    expect(onCamera(cam)).toHaveLength(made.files.length);
  });
});
