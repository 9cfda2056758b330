// Issue 4, item 3: evidock docking for real. The daemon runs inside the QEMU guest (as root, a
// YAML config, data on the guest's /data); camera images made by evidock's simulator are
// hot-plugged as USB mass storage; every assertion reads evidock's own output back from the
// guest: the daemon's JSON log, `status --json`, `sessions list --json`, `recordings list --json`,
// `verify --json`, and /proc/mounts while evidock has a camera mounted.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canStartQemu, GuestEvidock, startGuest, stopAllGuests, waitForUsbDisk, type Guest } from './harness/index.js';
import { exfatCamera, fat32Camera, sha256File, unknownStick, type Camera } from './cameras.js';
import { dockingConfig, BWC } from './docking-config.js';
import { skipUnless } from '../helpers/require.js';

const can = canStartQemu();
const noQemu = skipUnless('docking USB cameras in the QEMU guest', can.ok ? undefined : can.reason);

const DATA = '/data/evidock';
/** When camera n's first recording starts (true time): n hours into a fixed day. */
const at = (n: number) => new Date(Date.UTC(2026, 10, 26, n, 0, 0));
const STICK = { vendor: 'ACME', product: 'USB FLASH DISK' };

interface Recording { id: number; sha256: string; size: number; device: string; sourcePath: string; sessionId: number | null; durationS: number | null; mediaKind: string }
interface Session { id: number; deviceSerial: string; profile: string; usbSerial: string | null; status: string; sourcePath: string; files: number; failed: number }
interface Alert { id: number; kind: string; severity: string; sessionId: number | null; deviceSerial: string | null; message: string }
interface Status {
  daemon: { pid: number; docked: { root: string; device?: string }[]; ingesting: unknown[] } | null;
  openAlerts: Alert[];
}
interface VerifyReport { objects: number; checked: number; ok: number; missing: unknown[]; mismatched: unknown[]; auditChain: { ok: boolean } }

describe.skipIf(noQemu)('evidock docking USB cameras in the QEMU guest', () => {
  let guest: Guest;
  let ev: GuestEvidock;
  let tmp: string;
  const cams: Record<string, Camera> = {};
  const imageSha = new Map<string, string>(); // image → SHA-256 before evidock saw it
  const timings: Record<string, number> = {};
  const t0 = Date.now();

  const recordings = async () => (await ev.json<Recording[]>(['recordings', 'list'])).value;
  const status = async () => (await ev.json<Status>(['status'])).value;
  const sessions = async (device?: string) => (await ev.json<Session[]>(['sessions', 'list', ...(device ? ['--device', device] : [])])).value;
  const logFrom = async (i: number) => (await ev.log()).slice(i);
  /** What evidock holds for these recordings: volume path → sha256 (a duplicate path fails the test). */
  const custodyOf = (recs: Recording[]) => {
    const m = new Map<string, string>();
    for (const r of recs) {
      expect(m.has(r.sourcePath), `${r.sourcePath} recorded twice`).toBe(false);
      m.set(r.sourcePath, r.sha256);
    }
    return m;
  };
  /** The numbers of an "ingest complete|interrupted: …" summary line. */
  const counts = (message: string) => {
    const m = /^ingest (\w+): (\d+) stored, (\d+) duplicate, (\d+) already recorded, (\d+) failed/.exec(message);
    if (!m) throw new Error(`not an ingest summary: ${message}`);
    return { status: m[1], copied: Number(m[2]) + Number(m[3]), alreadyRecorded: Number(m[4]), failed: Number(m[5]) };
  };
  const remember = (cam: Camera) => { imageSha.set(cam.image, sha256File(cam.image)); return cam; };
  const unchanged = (cam: Camera) => expect(sha256File(cam.image), `${path.basename(cam.image)} written to`).toBe(imageSha.get(cam.image));
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = Date.now();
    try { return await fn(); } finally { timings[name] = Date.now() - t; }
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-usbdock-'));
    await timed('hostImagesMs', async () => {
      const [a, d, e, c, stick] = await Promise.all([
        // Distinct start times: the cameras' media differ (identical bytes would be stored once).
        fat32Camera(tmp, { serial: 'CAMA001', badge: '000101', clips: 2, seconds: 2, photos: 1, audio: 1, start: at(1) }),
        fat32Camera(tmp, { serial: 'CAMD001', badge: '000104', clips: 1, seconds: 2, photos: 1, audio: 1, start: at(4) }),
        fat32Camera(tmp, { serial: 'CAME001', badge: '000105', clips: 1, seconds: 2, photos: 1, audio: 1, start: at(5) }),
        // Eight 16 MiB photos: a copy of several seconds to pull the camera out of.
        fat32Camera(tmp, { serial: 'CAMC001', badge: '000103', clips: 1, seconds: 2, photos: 1, audio: 0, start: at(3), bulk: { count: 8, mib: 16 } }),
        unknownStick(tmp),
      ]);
      Object.assign(cams, { a, d, e, c, stick });
    });
    // ffprobe in the guest: durations are probed as on a workstation (~2 s per clip under TCG).
    // /data on an ext4 scratch disk: the store's fsyncs hit a real file system, and RAM stays free.
    guest = await startGuest({ extraBins: ['ffprobe'], scratchMiB: 1024 });
    Object.assign(timings, { buildMs: guest.timings.buildMs, bootMs: guest.timings.bootMs });
    // exFAT can only be written inside the guest: filled before the daemon runs, so it cannot grab it.
    cams.x = await timed('exfatFillMs', () => exfatCamera(guest, tmp, { id: 'fillX', usbSerial: 'USBX0001', ...BWC },
      { serial: 'CAMX001', badge: '000106', clips: 1, seconds: 2, photos: 1, audio: 1, start: at(6) }));
    for (const cam of Object.values(cams)) remember(cam);
    ev = await GuestEvidock.install(guest, dockingConfig(DATA), { dataDir: DATA });
    await timed('daemonStartMs', () => ev.startDaemon());
  });

  // A failed scenario prints what the daemon logged meanwhile; nothing stays plugged for the next one.
  let logMark = 0;
  beforeEach(async () => {
    if (!ev || !guest?.alive) return;
    await ev.waitNoMounts(); // a failed scenario's camera is fully released first
    logMark = (await ev.log()).length;
  });
  afterEach(async (ctx) => {
    if (!guest?.alive) return;
    if (ctx.task.result?.state === 'fail' && ev) {
      const lines = (await logFrom(logMark).catch(() => [])).map((e) => `${e.timestamp} ${e.level} ${e.message}${e.session ? ` [session ${e.session} ${e.device}]` : ''}`);
      console.log(`[usb] daemon log during "${ctx.task.name}":\n${lines.join('\n')}`);
    }
    await guest.usb.unplugAll().catch(() => {});
  });

  afterAll(async () => {
    if (ev?.daemon && guest?.alive) await ev.stopDaemon(5_000).catch(() => {});
    // Kept with the console log when EVIDOCK_TESTBED_KEEP=1.
    if (ev && guest?.alive) fs.writeFileSync(path.join(guest.tmpDir, 'evidock.log'), await guest.readFile(ev.logFile).catch(() => ''));
    await stopAllGuests();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    timings.totalMs = Date.now() - t0;
    if (ev) console.log(`[usb] evidock CLI in the guest (runs, ms): ${JSON.stringify(Object.fromEntries(ev.cliTime))}`);
    console.log(`[usb] docking timings ${JSON.stringify(timings)}`);
  });

  it('1. a FAT32 camera hot-plugged: USB hotplug + block detection, vfat read-only mount, every file ingested, unmounted', async () => {
    const cam = cams.a!;
    const from = (await ev.log()).length;
    const tPlug = Date.now();
    await guest.plugUsbStorage({ id: 'camA', image: cam.image, serial: 'USBA0001' });
    // While evidock has it mounted: the kernel's vfat, read-only.
    const mount = await ev.waitMountOf(await waitForUsbDisk(guest, 'USBA0001'));
    const s = await ev.waitSession(cam.serial);
    timings.s1PlugToIngestedMs = Date.now() - tPlug;
    expect(mount.source).toMatch(/^\/dev\/sd[a-z]+$/);
    expect(mount.fstype).toBe('vfat');
    expect(mount.options).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
    expect(mount.target.startsWith(`${DATA}/run/mnt/`)).toBe(true);

    const msgs = (await logFrom(from)).map((e) => e.message);
    expect(msgs).toContainEqual(expect.stringMatching(/^USB device attached: 46f4:0001 serial USBA0001\b/));
    expect(msgs).toContain(`camera volume docked: ${mount.target} (block ${mount.source})`);
    expect(s.started.profile).toBe('testcam-qemu');
    expect(counts(s.ended.message)).toEqual({ status: 'complete', copied: cam.expected.size, alreadyRecorded: 0, failed: 0 });
    await ev.waitNoMounts(); // released once the session is over, though still plugged

    const recs = (await recordings()).filter((r) => r.device === cam.serial);
    expect(custodyOf(recs)).toEqual(cam.expected);
    expect(new Set(recs.map((r) => r.sessionId))).toEqual(new Set([s.session]));
    // ffprobe ran in the guest on the stored objects.
    for (const [p, secs] of cam.seconds) expect(recs.find((r) => r.sourcePath === p)?.durationS, p).toBeCloseTo(secs, 0);
    // The dock session keeps the USB serial the host saw (not the camera's own serial).
    expect(await sessions(cam.serial)).toEqual([expect.objectContaining({
      id: s.session, deviceSerial: cam.serial, profile: 'testcam-qemu', usbSerial: 'USBA0001', status: 'complete', files: cam.expected.size, failed: 0,
    })]);

    await guest.unplug('camA');
    await ev.waitLog((e) => e.message.startsWith('camera undocked:') && e.message.includes(mount.source), 'camera A undocked');
    unchanged(cam);
  });

  it('2. two cameras plugged at once (usb-storage and usb-bot + scsi-hd): both ingested, distinct sessions', async () => {
    const [d, e] = [cams.d!, cams.e!];
    const tPlug = Date.now();
    await Promise.all([
      guest.plugUsbStorage({ id: 'camD', image: d.image, serial: 'USBD0001' }),
      guest.plugUsbBotScsi({ id: 'camE', image: e.image, serial: 'USBE0001', ...BWC }),
    ]);
    const [sd, se] = await Promise.all([ev.waitSession(d.serial), ev.waitSession(e.serial)]);
    timings.s2PlugToBothIngestedMs = Date.now() - tPlug;
    expect(sd.session).not.toBe(se.session);
    expect(counts(sd.ended.message)).toEqual({ status: 'complete', copied: d.expected.size, alreadyRecorded: 0, failed: 0 });
    expect(counts(se.ended.message)).toEqual({ status: 'complete', copied: e.expected.size, alreadyRecorded: 0, failed: 0 });
    expect([sd.started.profile, se.started.profile]).toEqual(['testcam-qemu', 'testcam-bwc']);
    await ev.waitNoMounts();

    const [all, ses] = [await recordings(), await sessions()];
    for (const [cam, s, usbSerial] of [[d, sd, 'USBD0001'], [e, se, 'USBE0001']] as const) {
      const recs = all.filter((r) => r.device === cam.serial);
      expect(custodyOf(recs)).toEqual(cam.expected);
      expect(new Set(recs.map((r) => r.sessionId))).toEqual(new Set([s.session]));
      expect(ses.filter((x) => x.deviceSerial === cam.serial)).toEqual([expect.objectContaining({ id: s.session, usbSerial, status: 'complete' })]);
    }
    await Promise.all([guest.unplug('camD'), guest.unplug('camE')]);
    unchanged(d);
    unchanged(e);
  });

  it('3. a camera unplugged mid-copy: session interrupted, nothing half-stored; plugged again: resumed, no duplicate', async () => {
    const cam = cams.c!;
    await guest.plugUsbStorage({ id: 'camC', image: cam.image, serial: 'USBC0001' });
    const started = await ev.waitLog((e) => e.device === cam.serial && e.message.startsWith('ingest started'), 'camera C ingest started');
    const s1 = started.session!;
    // Pulled while a bulk photo is being copied into the store's temp dir.
    await guest.waitFor(async () => (await ev.storeTemps()).some((t) => t.name.endsWith('.part') && t.size > 2 << 20),
      { timeoutMs: 60_000, intervalMs: 50, what: 'a bulk photo of camera C being copied' });
    const endedEarly = (await ev.log()).find((e) => e.session === s1 && /^ingest (complete|interrupted)/.test(e.message));
    if (endedEarly) throw new Error(`camera C was ingested before the unplug (${endedEarly.message}): give it more data`);
    const tPull = Date.now();
    const pulledAt = (await ev.log()).length;
    await guest.unplug('camC');

    const { ended } = await ev.waitSessionEnd(started);
    timings.s3UnplugToInterruptedMs = Date.now() - tPull;
    expect(ended.message).toMatch(/^ingest interrupted: /);
    await ev.waitLog((e) => e.message.startsWith('camera undocked:'), 'camera C undocked', { since: pulledAt });
    await ev.waitNoMounts();
    expect(await ev.storeTemps()).toEqual([]);
    const partial = (await recordings()).filter((r) => r.device === cam.serial);
    expect(partial.length).toBeLessThan(cam.expected.size);
    for (const [p, h] of custodyOf(partial)) expect(h, p).toBe(cam.expected.get(p));
    const v1 = await ev.json<VerifyReport>(['verify'], { codes: [0, 3] });
    expect(v1.code, JSON.stringify(v1.value)).toBe(0);
    expect(v1.value).toMatchObject({ missing: [], mismatched: [], auditChain: { ok: true } });

    const tReplug = Date.now();
    await guest.plugUsbStorage({ id: 'camC', image: cam.image, serial: 'USBC0001' });
    const s2 = await ev.waitSession(cam.serial, { after: s1, timeoutMs: 180_000 });
    timings.s3ReplugToCompleteMs = Date.now() - tReplug;
    expect(counts(s2.ended.message)).toEqual({ status: 'complete', copied: cam.expected.size - partial.length, alreadyRecorded: partial.length, failed: 0 });
    await ev.waitNoMounts();
    const recs = (await recordings()).filter((r) => r.device === cam.serial);
    expect(custodyOf(recs)).toEqual(cam.expected);
    expect(recs.filter((r) => r.sessionId === s1).map((r) => r.id).sort()).toEqual(partial.map((r) => r.id).sort());
    expect(recs.filter((r) => r.sessionId === s2.session)).toHaveLength(cam.expected.size - partial.length);
    expect(await ev.storeTemps()).toEqual([]);
    expect(await sessions(cam.serial)).toEqual([
      expect.objectContaining({ id: s2.session, status: 'complete', usbSerial: 'USBC0001', failed: 0 }),
      expect.objectContaining({ id: s1, status: 'interrupted', usbSerial: 'USBC0001' }),
    ]);
    await guest.unplug('camC');
    unchanged(cam);
  });

  it('4. an exFAT camera (filled inside the guest) docked: kernel exfat read-only mount, ingested', async () => {
    const cam = cams.x!;
    await guest.plugUsbBotScsi({ id: 'camX', image: cam.image, serial: 'USBX0001', ...BWC });
    const mount = await ev.waitMountOf(await waitForUsbDisk(guest, 'USBX0001'));
    const s = await ev.waitSession(cam.serial);
    expect(mount.source).toMatch(/^\/dev\/sd[a-z]+1$/); // the partition, not the disk
    expect(mount.fstype).toBe('exfat');
    expect(mount.options).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
    expect(s.started.profile).toBe('testcam-bwc');
    expect(counts(s.ended.message)).toEqual({ status: 'complete', copied: cam.expected.size, alreadyRecorded: 0, failed: 0 });
    await ev.waitNoMounts();
    const recs = (await recordings()).filter((r) => r.device === cam.serial);
    expect(custodyOf(recs)).toEqual(cam.expected);
    await guest.unplug('camX');
    unchanged(cam);
  });

  it('5. a USB stick no profile matches: its media still ingested as an unknown device, with an alert; nothing written', async () => {
    const cam = cams.stick!;
    const from = (await ev.log()).length;
    await guest.plugUsbBotScsi({ id: 'stick', image: cam.image, serial: 'ACME0000001', ...STICK });
    const docked = await ev.waitLog((e) => e.message.startsWith('camera volume docked:'), 'stick docked', { since: from });
    const root = /^camera volume docked: (\S+)/.exec(docked.message)![1]!;
    const started = await ev.waitLog((e) => e.message.startsWith('ingest started: ') && e.message.endsWith(` under ${root}`), 'stick ingest started', { since: from });
    const { ended } = await ev.waitSessionEnd(started);
    await ev.waitNoMounts();
    const recs = (await recordings()).filter((r) => r.sessionId === started.session);
    const st = await status();
    const alerts = st.openAlerts.filter((a) => a.sessionId === started.session);
    await guest.unplug('stick');
    unchanged(cam);
    // Reported whatever happens below: what evidock made of the stick.
    console.log(`[usb] unknown stick: profile ${String(started.profile)}, device ${String(started.device)}, ${ended.message}; `
      + `recorded ${JSON.stringify(recs.map((r) => r.sourcePath))}; alerts ${JSON.stringify(alerts.map((a) => `${a.kind}: ${a.message}`))}`);
    expect(ended.message).toMatch(/^ingest complete: /);
    expect(custodyOf(recs)).toEqual(cam.expected);
    expect(alerts.map((a) => a.kind)).toContainEqual(expect.stringMatching(/^unknown-/));
  });

  it('6. every camera unplugged: `status` lists none docked and no ingest running', async () => {
    const st = await status();
    expect(st.daemon?.pid).toBe(ev.daemon?.pid);
    expect(st.daemon?.ingesting).toEqual([]);
    expect(st.daemon?.docked, `status --json daemon.docked after every camera was unplugged: ${JSON.stringify(st.daemon?.docked)}`).toEqual([]);
  });

  it('7. stops on SIGTERM: exits 0, nothing mounted, the store verifies', async () => {
    const v = await ev.json<VerifyReport>(['verify'], { codes: [0, 3] });
    expect(v.code, JSON.stringify(v.value)).toBe(0);
    const stop = await ev.stopDaemon(20_000);
    timings.daemonStopMs = stop.ms;
    const msgs = (await ev.log()).map((e) => e.message);
    expect(msgs).toContain('evidock daemon stopped');
    expect(await ev.mounts()).toEqual([]);
    expect(stop.exited, `the daemon logged "evidock daemon stopped" but was still running ${stop.ms} ms after SIGTERM`).toBe(true);
    expect(stop.state?.code).toBe(0);
  });
});
