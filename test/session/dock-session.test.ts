// runDockSession end to end on simulated cameras of each kind (real ffmpeg media, the real probe
// against libzfy-sim.so, real SQLite): match, identify, check, ingest with corrected times, set the
// clock, alert.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { runDockSession } from '../../src/session/dock-session.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import { createCameraVolume, bootTimesetCamera } from '../../src/sim/index.js';
import { buildProbes, readState } from '../probes/zfy-sim.js';
import { ctxOf, labelledVolume, profilesFor, station, zfyCameraVolume, type Station } from '../ingest/dock-helpers.js';
import { SIM_LIB_89, SIM_LIB_NOTIME } from '../probes/zfy-sim.js';

beforeAll(() => buildProbes());
const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = (cfg: Record<string, unknown> = {}) => { const s = station(cfg); stations.push(s); return s; };
const sim = { clips: 2, seconds: 1, photos: 1, audio: 1, timezone: '+08:00' } as const;
const near = (a: string | null | undefined, b: string, ms = 1500) => Math.abs(Date.parse(a ?? 'x') - Date.parse(b)) <= ms;

function setState(dir: string, changes: Record<string, string | number>): void {
  const state = { ...readState(dir), ...Object.fromEntries(Object.entries(changes).map(([k, v]) => [k, String(v)])) };
  fs.writeFileSync(path.join(dir, 'zfy-state.ini'), Object.entries(state).map(([k, v]) => `${k}=${v}\n`).join(''));
}

describe('a ZFY camera', () => {
  it('is identified, checked and synced through the vendor interface; times corrected by its offset', async () => {
    const s = open({ devices: [{ serial: 'ZFY0001', badge: '000777' }] });
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'zfy', serial: 'ZFY0001', badge: '000777', clockOffset: -3600, battery: 64 });
    const r = await runDockSession(await zfyCameraVolume(cam), ctxOf(s, profilesFor(made.zfyDir)), s);

    expect(r).toMatchObject({ device: 'ZFY0001', badge: '000777', profile: 'zfy-generic', profileMatched: true, identitySource: 'zfy',
      unknown: [], status: 'complete', stored: made.files.length, failed: 0 });
    expect(Math.abs(r.checks.clock.offsetS! + 3600)).toBeLessThanOrEqual(1);
    expect(r.checks).toMatchObject({ batteryPct: 64, clock: { method: 'zfy', source: 'camera' }, resolution: { width: 320, height: 240 } });
    expect(r.checks.storage!.freeBytes).toBeGreaterThan(0);
    expect(r.alerts.map((a) => a.kind)).toEqual(['clock-drift']);

    // Camera times kept as named; corrected ones are the true times the simulator recorded at.
    const rows = s.custody.listRecordings();
    expect(rows).toHaveLength(made.files.length);
    for (const f of made.files) {
      const row = rows.find((x) => x.sourcePath === f.path)!;
      expect(row.recordedStart).toBe(f.cameraStart);
      expect(near(row.correctedStart, f.recordedStart), `${f.path}: ${row.correctedStart} vs ${f.recordedStart}`).toBe(true);
      expect(row.clockOffsetS).toBe(r.checks.clock.offsetS);
    }

    const session = s.custody.getSession(r.session)!;
    expect(session).toMatchObject({ clockOffsetS: r.checks.clock.offsetS, clockSource: 'zfy', batteryPct: 64,
      storageUsed: r.checks.storage!.usedBytes, storageFree: r.checks.storage!.freeBytes, alerts: [expect.objectContaining({ kind: 'clock-drift' })] });
    expect(near(session.cameraTime, new Date(Date.now() - 3600_000).toISOString(), 10_000)).toBe(true);

    expect(r.clockSync).toMatchObject({ method: 'zfy', ok: true, flag: 5 });
    expect(readState(made.zfyDir!).clockOffset).toBe('0');
    const sync = s.custody.listAudit({ event: 'camera.clock.sync' });
    expect(sync).toHaveLength(1);
    expect(sync[0]!.payload).toMatchObject({ sessionId: r.session, deviceSerial: 'ZFY0001', method: 'zfy', ok: true, offsetBeforeS: r.checks.clock.offsetS });
    expect(s.custody.verifyAuditChain().ok).toBe(true);
  });

  it('a camera whose clock was reset: "clock lost", and files from before the reset are not corrected', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'zfy', serial: 'ZFY0002', badge: '000778' });
    // The clock battery died after these files were named: it now counts from 2010-01-01.
    setState(made.zfyDir!, { clockOffset: Math.round((Date.parse('2010-01-01T03:00:00Z') - Date.now()) / 1000) });
    const r = await runDockSession(await zfyCameraVolume(cam), ctxOf(s, profilesFor(made.zfyDir)), s);
    expect(r.alerts.map((a) => [a.kind, a.severity])).toEqual([['clock-lost', 'critical'], ['clock-drift', 'warning']]);
    expect(r.checks.clock.cameraTime!.startsWith('2010-01-01')).toBe(true);
    for (const row of s.custody.listRecordings()) expect(row).toMatchObject({ correctedStart: null, clockOffsetS: null });
    expect(r.clockSync).toMatchObject({ ok: true });
  });

  it('a vendor answer for another camera is not believed: names win, its clock is left alone', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'zfy', serial: 'ZFY0003', badge: '000779', clockOffset: 500 });
    setState(made.zfyDir!, { serial: 'OTHER01' });
    const r = await runDockSession(await zfyCameraVolume(cam), ctxOf(s, profilesFor(made.zfyDir)), s);
    expect(r).toMatchObject({ device: 'ZFY0003', identitySource: 'none', checks: { clock: { source: 'estimate', offsetS: null }, batteryPct: null } });
    expect(r.alerts.map((a) => a.kind)).toContain('identity-mismatch');
    expect(r.clockSync).toEqual({ skipped: 'the vendor interface did not identify this camera' });
    expect(readState(made.zfyDir!).clockOffset).toBe('500');
  });

  it('a wrong password: alerted, files still ingested by their names', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'zfy', serial: 'ZFY0004', badge: '000780', password: '135790' });
    const r = await runDockSession(await zfyCameraVolume(cam), ctxOf(s, profilesFor(made.zfyDir)), s);
    expect(r).toMatchObject({ device: 'ZFY0004', badge: '000780', stored: made.files.length, checks: { clock: { offsetS: null } } });
    expect(r.alerts.find((a) => a.kind === 'zfy-probe')?.message).toMatch(/info: password failed \(flag 4\)/);
  });

  it('a library without a clock getter: the offset is estimated from the newest recording, labelled, never alerted', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    // An hour slow, far past maxDriftSeconds: a measured offset this size would raise clock-drift.
    const made = await createCameraVolume(cam, { ...sim, personality: 'zfy', serial: 'ZFY0005', badge: '000781', clockOffset: -3600 });
    const newest = made.files.reduce((a, b) => (a.cameraStart > b.cameraStart ? a : b));
    const dockedAt = new Date(Date.parse(newest.recordedStart) + (newest.seconds ?? 0) * 1000 + 90_000); // 90 s after it ended
    const r = await runDockSession(await zfyCameraVolume(cam), ctxOf(s, profilesFor(made.zfyDir, { library: SIM_LIB_NOTIME })), s,
      { now: () => dockedAt });
    const est = r.checks.clock.estimate!;
    expect(r.checks.clock).toMatchObject({ method: 'zfy', source: 'estimate', offsetS: null, cameraTime: null });
    expect(est).toMatchObject({ basis: 'newest-file', file: newest.path, fileStart: newest.cameraStart });
    expect(est.durationS === null ? 0 : Math.abs(est.durationS - (newest.seconds ?? 0))).toBeLessThanOrEqual(0.2);
    // camera − workstation: −3600 s, less the 90 s it sat docked after the recording (an estimate is at least that close)
    expect(Math.abs(est.offsetS - (-3600 - 90))).toBeLessThanOrEqual(1);
    expect(r.alerts.map((a) => a.kind)).not.toContain('clock-drift');
    expect(s.custody.getSession(r.session)).toMatchObject({ clockSource: 'estimate:newest-file', clockOffsetS: est.offsetS, cameraTime: null });
    // No recording is corrected by a guess.
    for (const row of s.custody.listRecordings()) expect(row).toMatchObject({ correctedStart: null, clockOffsetS: null });
    expect(r.clockSync).toMatchObject({ method: 'zfy', ok: true, flag: 5 });
  });

  it('a profile whose ZFY_INFO layout is not the library\'s: a zfy-layout alert naming zfy.infoLayout, files ingested by name', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'zfy', serial: 'ZFY0006', badge: '000782' });
    const r = await runDockSession(await zfyCameraVolume(cam), ctxOf(s, profilesFor(made.zfyDir, { library: SIM_LIB_89 })), s);
    expect(r).toMatchObject({ device: 'ZFY0006', stored: made.files.length, identitySource: 'none' });
    const alert = r.alerts.find((a) => a.kind === 'zfy-layout');
    expect(alert).toMatchObject({ severity: 'critical' });
    expect(alert!.message).toMatch(/94-byte ZFY_INFO.*profile zfy-generic: zfy\.infoLayout is 94, set it to 89/);
    expect(r.alerts.map((a) => a.kind)).not.toContain('zfy-probe');
    const fixed = await runDockSession(await zfyCameraVolume(cam), ctxOf(s, profilesFor(made.zfyDir, { library: SIM_LIB_89, infoLayout: 89 })), s);
    expect(fixed).toMatchObject({ device: 'ZFY0006', identitySource: 'zfy' });
    expect(fixed.alerts.map((a) => a.kind)).not.toContain('zfy-layout');
  });
});

describe('a timeset camera', () => {
  it('has no readable clock: offset unmeasured, a future file name proves it fast; TIMESET.txt written for its next boot', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    await createCameraVolume(cam, { ...sim, personality: 'timeset', serial: 'TSC0001', badge: '000321', clockOffset: 6 * 3600 });
    const before = Date.now();
    const r = await runDockSession(await directoryVolume(cam), ctxOf(s), s);
    expect(r).toMatchObject({ device: 'TSC0001', badge: '000321', profile: 'timeset-massstorage', identitySource: 'identityFile' });
    expect(r.checks.clock).toMatchObject({ method: 'timesetFile', source: 'unmeasured', offsetS: null });
    expect(r.checks.clock.aheadAtLeastS).toBeGreaterThan(3 * 3600);
    expect(r.alerts.map((a) => a.kind)).toEqual(['clock-drift']);
    for (const row of s.custody.listRecordings()) expect(row.correctedStart).toBeNull();
    expect(s.custody.getSession(r.session)).toMatchObject({ clockSource: 'unmeasured', clockOffsetS: null, cameraTime: null });

    expect(r.clockSync).toMatchObject({ method: 'timesetFile', ok: true, file: 'TIMESET.txt' });
    const boot = await bootTimesetCamera(cam, '+08:00');
    expect(boot!.text).toHaveLength(19);
    expect(boot!.setTo.getTime()).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(boot!.setTo.getTime()).toBeLessThanOrEqual(Date.now());
    expect(s.custody.listAudit({ event: 'camera.clock.sync' })[0]!.payload).toMatchObject({ method: 'timesetFile', written: boot!.text });
    // Intent before the camera is touched (and before it is made writable), the result after.
    const trail = s.custody.listAudit().map((e) => e.event).filter((e) => e.startsWith('camera.'));
    expect(trail).toEqual(['camera.clock.sync.start', 'camera.remount.rw', 'camera.remount.ro', 'camera.clock.sync']);
    expect(s.custody.listAudit({ event: 'camera.clock.sync.start' })[0]!.payload).toMatchObject({
      sessionId: r.session, deviceSerial: 'TSC0001', method: 'timesetFile', offsetBeforeS: null });
  });
});

describe('a labelled camera and the roster', () => {
  it('the label is the device id; the roster knows it', async () => {
    const s = open({ devices: [{ serial: 'LAB0001', badge: '000555' }] });
    const cam = path.join(s.dir, 'cam');
    await createCameraVolume(cam, { ...sim, personality: 'labelled', serial: 'LAB0001', badge: '000555' });
    const r = await runDockSession(await labelledVolume(cam, 'LAB0001'), ctxOf(s), s);
    expect(r).toMatchObject({ device: 'LAB0001', badge: '000555', identitySource: 'label', unknown: [], alerts: [], clockSync: null });
    expect(s.custody.getDevice('LAB0001')?.assigned).toBe(true);
  });

  it('a camera outside the roster is ingested, unassigned and alerted', async () => {
    const s = open({ devices: [{ serial: 'LAB0001' }] });
    const cam = path.join(s.dir, 'cam');
    const made = await createCameraVolume(cam, { ...sim, personality: 'labelled', serial: 'LAB0009', badge: '000556' });
    const r = await runDockSession(await labelledVolume(cam, 'LAB0009'), ctxOf(s), s);
    expect(r).toMatchObject({ device: 'LAB0009', stored: made.files.length, unknown: ['not-in-roster'] });
    expect(r.alerts).toEqual([expect.objectContaining({ kind: 'unassigned-device', severity: 'warning' })]);
    expect(s.custody.listAlerts({ open: true })[0]).toMatchObject({ deviceSerial: 'LAB0009', sessionId: r.session });
    expect(s.custody.getDevice('LAB0009')?.assigned).toBe(false);
  });
});

describe('an unknown camera', () => {
  it('matches no profile: every media file is still ingested, the device unassigned, alerts raised', async () => {
    const s = open();
    const src = path.join(s.dir, 'src');
    const made = await createCameraVolume(src, { ...sim, personality: 'timeset', serial: 'TSC0002' });
    const cam = path.join(s.dir, 'cam');
    fs.mkdirSync(path.join(cam, 'VIDEO'), { recursive: true });
    for (const f of made.files) fs.copyFileSync(path.join(src, f.path), path.join(cam, 'VIDEO', path.basename(f.path)));
    fs.writeFileSync(path.join(cam, 'README.TXT'), 'not media');
    const device = { label: 'NO NAME', vendor: 'Generic', fstype: 'vfat', uuid: '1A2B-3C4D' };
    const r = await runDockSession({ ...(await directoryVolume(cam)), device }, ctxOf(s), s);
    expect(r).toMatchObject({ profile: 'unknown', profileMatched: false, device: 'UNKNOWN-VOLSN-1A2B-3C4D', stored: made.files.length, failed: 0,
      unknown: ['no-profile', 'no-identity'], clockSync: null });
    expect(r.alerts.map((a) => a.kind).sort()).toEqual(['unknown-camera', 'unknown-device']);
    expect(r.alerts.find((a) => a.kind === 'unknown-camera')!.message).toMatch(/label "NO NAME"/);
    expect(r.alerts.find((a) => a.kind === 'unknown-device')!.message).toMatch(/UNKNOWN-VOLSN-1A2B-3C4D.*vfat volume serial number 1A2B-3C4D/);
    expect(s.custody.getDevice('UNKNOWN-VOLSN-1A2B-3C4D')?.assigned).toBe(false);
  });

  it('two unidentified cameras with the same file name, size and time are two devices: neither file is skipped', async () => {
    const s = open();
    const at = new Date('2026-11-26T08:00:00Z');
    const cams = ['camA', 'camB'].map((n, i) => {
      const cam = path.join(s.dir, n);
      fs.mkdirSync(path.join(cam, 'VIDEO'), { recursive: true });
      const f = path.join(cam, 'VIDEO', 'CLIP0001.JPG');
      fs.writeFileSync(f, Buffer.alloc(4096, i + 1)); // same size, other bytes
      fs.utimesSync(f, at, at);
      return cam;
    });
    const a = await runDockSession({ ...(await directoryVolume(cams[0]!)), device: { fstype: 'exfat', uuid: 'AAAA-0001' } }, ctxOf(s), s);
    const b = await runDockSession({ ...(await directoryVolume(cams[1]!)), device: { fstype: 'exfat', uuid: 'BBBB-0002' } }, ctxOf(s), s);
    expect(a).toMatchObject({ device: 'UNKNOWN-VOLSN-AAAA-0001', stored: 1, alreadyRecorded: 0 });
    expect(b).toMatchObject({ device: 'UNKNOWN-VOLSN-BBBB-0002', stored: 1, alreadyRecorded: 0 });
    expect(s.custody.listRecordings().map((r) => r.device).sort()).toEqual(['UNKNOWN-VOLSN-AAAA-0001', 'UNKNOWN-VOLSN-BBBB-0002']);
  });
});
