// Issue 15, item 4: the systemd unit booted for real. A guest whose root file system is a minimal
// Debian made from Debian packages boots systemd as PID 1 (scripts/usb-testbed/build-systemd.sh);
// evidock is installed in it the way deploy/README.md tells an administrator (group, /opt/evidock,
// /etc/evidock, /var/lib/evidock, modules-load.d, `deploy udev-rules`, `deploy systemd-unit`), and the
// unit, unchanged, is driven with systemctl: READY before active, a hot-plugged camera docked inside
// the unit's sandbox, the watchdog against a hung daemon, a clean stop mid-copy of a FUSE-mounted
// camera. One boot for every step; each step names itself when it fails.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canStartQemu, GuestEvidock, REPO_ROOT, startSystemdGuest, stopAllGuests, waitForUsbDisk, type Guest, type LogEntry, type MountEntry } from './harness/index.js';
import { fat32Camera, sha256File, type Camera } from './cameras.js';
import { dockingConfig } from './docking-config.js';
import { firstMissing, missingTools, skipUnless } from '../helpers/require.js';

const can = canStartQemu();
const skip = skipUnless('the systemd unit under systemd (PID 1) in the QEMU guest',
  firstMissing(can.ok ? undefined : can.reason, missingTools(['mkfs.vfat', 'mcopy', 'ffmpeg'])));

const DATA = '/var/lib/evidock'; // the unit's and README's default dataDir
const CONFIG = '/etc/evidock/evidock.yaml';
/** What the test itself writes in the guest after the start marker (the CLI's V8 code cache, the namespace handle). */
const TEST_OWN = '/run/evidock-test';
const MARK = `${TEST_OWN}/start-mark`;
const NS_HANDLE = `${TEST_OWN}/ns/mnt`;
const at = (n: number) => new Date(Date.UTC(2026, 10, 26, n, 0, 0));

interface Recording { sha256: string; device: string; sourcePath: string; sessionId: number | null }
interface JournalEntry { MESSAGE?: string; _PID?: string; __MONOTONIC_TIMESTAMP: string }

describe.skipIf(skip)('the systemd unit booted under systemd as PID 1 (QEMU guest)', () => {
  let guest: Guest;
  let ev: GuestEvidock;
  let tmp: string;
  let camA: Camera;
  let camB: Camera;
  const imageSha = new Map<string, string>();
  const timings: Record<string, number> = {};
  const t0 = Date.now();

  /** A guest shell script that must exit 0; a failure names the step and shows the output. */
  const sh = async (step: string, script: string, timeoutMs = 120_000): Promise<string> => {
    const r = await guest.sh(script, { timeoutMs });
    if (r.code !== 0) throw new Error(`[${step}] guest script ${r.timedOut ? `timed out after ${timeoutMs} ms` : `exited ${r.code ?? r.signal}`}:\n${script}\n--- output ---\n${r.stdout}${r.stderr}`);
    return r.stdout;
  };
  /** `systemctl show evidock` properties. */
  const show = async (...props: string[]): Promise<Record<string, string>> => {
    const out = await sh('systemctl show', `systemctl show evidock -p ${props.join(',')}`);
    return Object.fromEntries(out.split('\n').filter(Boolean).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  };
  const journal = async (): Promise<JournalEntry[]> =>
    (await sh('journal', 'journalctl -u evidock -o json --no-pager')).split('\n').filter(Boolean).map((l) => JSON.parse(l) as JournalEntry);
  const journalText = async () => (await journal()).map((e) => `[${e.__MONOTONIC_TIMESTAMP}] ${e._PID ?? ''}: ${e.MESSAGE ?? ''}`).join('\n');
  /** Mounts under the daemon's mount base as one process sees them (its mount namespace). */
  const mountsOf = async (procMounts: string): Promise<MountEntry[]> => {
    const text = (await guest.readFile(procMounts).catch(() => Buffer.from(''))).toString('utf8');
    return text.split('\n').filter(Boolean).map((l) => {
      const [source = '', target = '', fstype = '', options = ''] = l.split(' ');
      return { source, target, fstype, options: options.split(',') };
    }).filter((m) => m.target.startsWith(`${DATA}/run/mnt/`));
  };
  const mainPid = async () => Number((await show('MainPID')).MainPID);
  /** Polls the daemon's JSON log (whichever process writes it) for an entry at index `since` or later. */
  const waitLog = (step: string, pred: (e: LogEntry) => boolean, opts: { since?: number; timeoutMs?: number } = {}) =>
    guest.waitFor(async () => (await ev.log()).slice(opts.since ?? 0).find(pred),
      { timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 250, what: `[${step}] daemon log` }).catch(async (e: Error) => {
      const tail = (await ev.log().catch(() => [])).slice(-20).map((l) => `${l.level} ${l.message}`).join('\n');
      throw new Error(`${e.message}\n--- daemon log tail ---\n${tail}\n--- journal ---\n${(await journalText().catch(() => '')).slice(-3000)}`);
    });
  /** Files (not directories) written since the start mark outside dataDir, by anyone but systemd, udev, journald and this test. */
  const writtenOutsideDataDir = async (): Promise<string[]> => {
    const t = Date.now();
    const out = await sh('files written', [
      // The root file system (the station's disk) and the tmpfs the sandbox leaves writable to it.
      `find / -xdev -path ${DATA} -prune -o -newer ${MARK} ! -type d -print`,
      `find /run /dev/shm -newer ${MARK} ! -type d -print 2>/dev/null`,
      'true',
    ].join('; '));
    timings.findMs = (timings.findMs ?? 0) + Date.now() - t;
    const others = ['/run/udev/', '/run/systemd/', '/run/log/journal/', `${TEST_OWN}/`];
    return [...new Set(out.split('\n').filter(Boolean))].filter((f) => !others.some((o) => f.startsWith(o))).sort();
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-usbsystemd-'));
    const tImages = Date.now();
    [camA, camB] = await Promise.all([
      fat32Camera(tmp, { serial: 'CAMS001', badge: '000201', clips: 2, seconds: 2, photos: 1, audio: 1, start: at(1) }),
      // Eight 16 MiB photos: still being copied when the service is stopped.
      fat32Camera(tmp, { serial: 'CAMS002', badge: '000202', clips: 1, seconds: 2, photos: 1, audio: 0, start: at(2), bulk: { count: 8, mib: 16 } }),
    ]);
    for (const c of [camA, camB]) imageSha.set(c.image, sha256File(c.image));
    timings.hostImagesMs = Date.now() - tImages;
    guest = await startSystemdGuest();
    Object.assign(timings, { buildMs: guest.timings.buildMs, bootMs: guest.timings.bootMs });
    ev = new GuestEvidock(guest, CONFIG, DATA);
    ev.env.NODE_COMPILE_CACHE = `${TEST_OWN}/node-cache`; // the test's CLI runs, not the daemon's
  });

  afterAll(async () => {
    if (guest?.alive) {
      // Kept with the console log when EVIDOCK_TESTBED_KEEP=1.
      fs.writeFileSync(path.join(guest.tmpDir, 'journal-evidock.txt'), await journalText().catch((e: Error) => e.message));
    }
    await stopAllGuests();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    timings.totalMs = Date.now() - t0;
    console.log(`[usb] systemd timings ${JSON.stringify(timings)}`);
  });

  it('1. installed as deploy/README.md says: group, /opt/evidock, config, dataDir, modules, udev rules, the generated unit verified', async () => {
    const t = Date.now();
    await guest.writeFile('/root/evidock.yaml', dockingConfig(DATA));
    // The project disk (/evidock, read-only) stands for the unpacked and bootstrapped release tree.
    await sh('install', `set -e
      groupadd --system evidock
      ln -s /evidock /opt/evidock
      ln -s /opt/evidock/bin/evidock /usr/local/bin/evidock
      install -d -m 0750 -g evidock /etc/evidock
      install -m 0640 -g evidock /root/evidock.yaml ${CONFIG}
      mkdir -p ${TEST_OWN}/ns
      export NODE_COMPILE_CACHE=${TEST_OWN}/node-cache
      evidock --config ${CONFIG} config check
      install -d -m 2770 -o root -g evidock ${DATA}
      install -m 0644 /opt/evidock/deploy/modules-load.d/evidock.conf /etc/modules-load.d/
      systemctl restart systemd-modules-load
      evidock --config ${CONFIG} deploy udev-rules > /etc/udev/rules.d/70-evidock.rules
      udevadm control --reload
      udevadm trigger --subsystem-match=usb --subsystem-match=block
      evidock --config ${CONFIG} deploy systemd-unit > /etc/systemd/system/evidock.service
      systemd-analyze verify /etc/systemd/system/evidock.service
      systemctl daemon-reload
      systemctl enable evidock`, 300_000);
    timings.installMs = Date.now() - t;
    const unit = (await guest.readFile('/etc/systemd/system/evidock.service')).toString('utf8');
    // The shipped template with the config's paths: every hardening line as in deploy/evidock.service.
    expect(unit).toBe(fs.readFileSync(path.join(REPO_ROOT, 'deploy/evidock.service'), 'utf8'));
    expect(await sh('modules', 'cut -d" " -f1 /proc/modules')).toEqual(expect.stringMatching(/^sd_mod$/m));
    expect((await guest.readFile('/etc/udev/rules.d/70-evidock.rules')).toString()).toContain('ATTR{idVendor}=="46f4", ATTR{idProduct}=="0001"');
    expect(await show('LoadState', 'UnitFileState', 'ActiveState')).toEqual({ LoadState: 'loaded', UnitFileState: 'enabled', ActiveState: 'inactive' });
  });

  it('2. `systemctl start evidock`: activating while the daemon starts, active only once it sent READY', async () => {
    await sh('mark', `touch ${MARK}`); // files written from here on are checked in steps 3 and 5
    const t = Date.now();
    const start = await guest.spawn(['systemctl', 'start', 'evidock']);
    const seen: string[] = [];
    for (;;) {
      const s = await show('ActiveState', 'SubState', 'MainPID');
      const state = `${s.ActiveState}/${s.SubState}/${Number(s.MainPID) > 0 ? 'pid' : 'nopid'}`;
      if (seen.at(-1) !== state) seen.push(state);
      if (s.ActiveState === 'active' || s.ActiveState === 'failed') break;
      if (Date.now() - t > 200_000) throw new Error(`[start] not active after 200 s; states ${seen.join(' → ')}\n${await journalText()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const done = await start.wait(60_000);
    timings.startToActiveMs = Date.now() - t;
    expect(done.code, `systemctl start: ${done.stderr}`).toBe(0);
    // The daemon ran (a main pid) well before systemd called the unit started.
    expect(seen, seen.join(' → ')).toContain('activating/start/pid');
    expect(seen.at(-1)).toBe('active/running/pid');
    const s = await show('StatusText', 'ActiveEnterTimestampMonotonic', 'ExecMainStartTimestampMonotonic', 'NRestarts', 'MainPID');
    // READY=1 came with this status (src/daemon/daemon.ts), sent once the detectors were on.
    expect(s.StatusText).toMatch(/^watching \d+ dock root\(s\) and block devices$|docked, \d+ ingesting/);
    const j = await journal();
    const hotplugOn = j.find((e) => e._PID === s.MainPID && e.MESSAGE?.includes('USB hotplug detection on'));
    expect(hotplugOn, `no "USB hotplug detection on" from pid ${s.MainPID} in the journal`).toBeDefined();
    // systemd entered active after the daemon's last start-up line, not when it forked it.
    expect(Number(s.ActiveEnterTimestampMonotonic)).toBeGreaterThan(Number(hotplugOn!.__MONOTONIC_TIMESTAMP));
    expect(Number(s.ActiveEnterTimestampMonotonic)).toBeGreaterThan(Number(s.ExecMainStartTimestampMonotonic));
    expect(j.map((e) => e.MESSAGE ?? '').filter((m) => /sd_notify/.test(m))).toEqual([]);
    expect(s.NRestarts).toBe('0');
  });

  it('3. a camera hot-plugged over QMP: tagged by the udev rules, mounted read-only inside the unit only, ingested; nothing written outside dataDir', async () => {
    const pid = await mainPid();
    const from = (await ev.log()).length;
    const t = Date.now();
    await guest.plugUsbStorage({ id: 'camA', image: camA.image, serial: 'USBS0001' });
    const disk = await waitForUsbDisk(guest, 'USBS0001', 60_000);
    // Caught while the daemon holds it: in its own mount namespace (ProtectSystem= makes one), not PID 1's.
    const inUnit = await guest.waitFor(async () => (await mountsOf(`/proc/${pid}/mounts`)).find((m) => m.source === `/dev/${disk}`),
      { timeoutMs: 120_000, intervalMs: 50, what: `[camera A] /dev/${disk} mounted in the unit's namespace` });
    expect(inUnit.fstype).toBe('vfat');
    expect(inUnit.options).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
    expect(await mountsOf('/proc/1/mounts')).toEqual([]);
    const udev = await sh('udev', `udevadm info /dev/${disk}`);
    expect(udev).toMatch(/^E: EVIDOCK_CAMERA=testcam-qemu\b/m);
    expect(udev).toMatch(/^E: UDISKS_IGNORE=1$/m);
    const started = await waitLog('camera A ingest started', (e) => e.device === camA.serial && e.message.startsWith('ingest started'), { since: from });
    const ended = await waitLog('camera A ingest ended', (e) => e.session === started.session && /^ingest (complete|interrupted)/.test(e.message), { since: from });
    timings.plugToIngestedMs = Date.now() - t;
    expect(ended.message).toMatch(new RegExp(`^ingest complete: ${camA.expected.size} stored, 0 duplicate, 0 already recorded, 0 failed`));
    await guest.waitFor(async () => (await mountsOf(`/proc/${pid}/mounts`)).length === 0, { timeoutMs: 60_000, what: '[camera A] released after its session' });
    const tCli = Date.now();
    const recs = (await ev.json<Recording[]>(['recordings', 'list'])).value.filter((r) => r.device === camA.serial);
    timings.recordingsListMs = Date.now() - tCli;
    await guest.unplug('camA');
    expect(new Map(recs.map((r) => [r.sourcePath, r.sha256]))).toEqual(camA.expected);
    expect(sha256File(camA.image), 'camera A image written to').toBe(imageSha.get(camA.image));
    expect(await writtenOutsideDataDir()).toEqual([]);
  });

  it('4. the watchdog: a daemon made to hang (SIGSTOP) is killed and restarted by systemd, READY again', async () => {
    const before = await show('MainPID', 'NRestarts', 'WatchdogUSec');
    expect(before.WatchdogUSec).toBe('1min'); // the shipped WatchdogSec=60
    const logFrom = (await ev.log()).length;
    const t = Date.now();
    await sh('SIGSTOP', `kill -STOP ${before.MainPID}
      for i in $(seq 100); do grep -q '^State:.*stopped' /proc/${before.MainPID}/status && exit 0; sleep 0.1; done; exit 1`);
    // At most 60 s since the last ping, then SIGABRT (+SIGCONT), RestartSec=5s and a new start-up.
    const after = await guest.waitFor(async () => {
      const s = await show('ActiveState', 'MainPID', 'NRestarts');
      return s.ActiveState === 'active' && s.MainPID !== before.MainPID && Number(s.NRestarts) === Number(before.NRestarts) + 1 ? s : undefined;
    }, { timeoutMs: 240_000, intervalMs: 500, what: `[watchdog] a restarted daemon (pid was ${before.MainPID})` });
    timings.hangToRestartedMs = Date.now() - t;
    const text = await journalText();
    expect(text).toContain('evidock.service: Watchdog timeout');
    expect(text).toContain(`Killing process ${before.MainPID} (`);
    expect(text).toContain("evidock.service: Failed with result 'watchdog'.");
    expect(Number(after.MainPID)).toBeGreaterThan(0);
    await waitLog('restarted daemon watching', (e) => e.message === 'USB hotplug detection on', { since: logFrom });
  });

  it('5. `systemctl stop` mid-copy of a FUSE-mounted camera: exit 0, nothing left mounted inside or outside the namespace, no process left', async () => {
    // Without the vfat module (an admin who skipped README step 5) the daemon, which may not load
    // modules, mounts FAT through fusefat: /dev/fuse, the FUSE helper and fusermount in the sandbox.
    await guest.usb.unplugAll(); // camera A, had step 3 failed before unplugging it
    const pid = await mainPid();
    await guest.waitFor(async () => (await mountsOf(`/proc/${pid}/mounts`)).length === 0, { timeoutMs: 60_000, what: '[camera B] no camera mounted before' });
    await sh('rmmod vfat', 'for i in $(seq 50); do rmmod vfat 2>/dev/null && break; sleep 0.2; done; ! grep -qw vfat /proc/filesystems');
    const from = (await ev.log()).length;
    await guest.plugUsbStorage({ id: 'camB', image: camB.image, serial: 'USBS0002' });
    const disk = await waitForUsbDisk(guest, 'USBS0002', 60_000);
    const m = await guest.waitFor(async () => (await mountsOf(`/proc/${pid}/mounts`)).find((x) => x.target === `${DATA}/run/mnt/${disk}`),
      { timeoutMs: 120_000, intervalMs: 100, what: `[camera B] /dev/${disk} mounted in the unit's namespace` });
    expect(m.fstype).toBe('fuse.fusefat');
    expect(m.options).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
    const started = await waitLog('camera B ingest started', (e) => e.device === camB.serial && e.message.startsWith('ingest started'), { since: from });
    await guest.waitFor(async () => (await ev.storeTemps()).some((f) => f.name.endsWith('.part') && f.size > 2 << 20),
      { timeoutMs: 120_000, intervalMs: 100, what: '[camera B] a bulk photo being copied' });
    const endedEarly = (await ev.log()).find((e) => e.session === started.session && /^ingest (complete|interrupted)/.test(e.message));
    if (endedEarly) throw new Error(`[camera B] ingested before the stop (${endedEarly.message}): give it more data`);
    // A handle on the unit's mount namespace keeps it after its last process exits: what the daemon
    // left mounted there would stay visible (without it the kernel would quietly detach everything).
    await sh('namespace handle', `mount --bind ${TEST_OWN}/ns ${TEST_OWN}/ns && mount --make-private ${TEST_OWN}/ns
      touch ${NS_HANDLE} && mount --bind /proc/${pid}/ns/mnt ${NS_HANDLE}`);
    const journalBefore = (await journal()).length;
    const t = Date.now();
    const stop = await guest.exec(['systemctl', 'stop', 'evidock'], { timeoutMs: 150_000 });
    timings.stopMs = Date.now() - t;
    const s = await show('ActiveState', 'Result', 'ExecMainStatus', 'MainPID');
    const during = (await journal()).slice(journalBefore).map((e) => e.MESSAGE ?? '');
    const context = `systemctl stop: exit ${stop.code} ${stop.stderr}\n${JSON.stringify(s)}\n--- journal during stop ---\n${during.join('\n')}`;
    expect(stop.code, context).toBe(0);
    expect(s, context).toMatchObject({ ActiveState: 'inactive', Result: 'success', ExecMainStatus: '0', MainPID: '0' });
    // Nothing systemd had to kill (KillMode=mixed would SIGKILL a FUSE helper left behind).
    expect(during.filter((l) => /Killing process|remains running|SIGKILL|Failed with result/.test(l)), context).toEqual([]);
    const log = (await ev.log()).slice(from);
    expect(log.find((e) => e.session === started.session && e.message.startsWith('ingest interrupted'))?.message, 'session interrupted').toBeDefined();
    expect(log.at(-1)?.message).toBe('evidock daemon stopped');
    expect(await mountsOf('/proc/1/mounts')).toEqual([]);
    const inNs = await sh('inside the namespace', `nsenter --mount=${NS_HANDLE} cat /proc/self/mounts; umount ${NS_HANDLE}`);
    expect(inNs.split('\n').filter((l) => l.includes(`${DATA}/run/mnt/`) || /fuse\.|vfat/.test(l)), inNs).toEqual([]);
    expect(await sh('processes', 'ps -ef | grep -E "[f]usefat|[f]usermount|[d]aemon --config|[s]ystemd-notify" || true')).toBe('');
    expect(await ev.storeTemps()).toEqual([]);
    expect(await writtenOutsideDataDir()).toEqual([]);
    await guest.unplug('camB');
    expect(sha256File(camB.image), 'camera B image written to').toBe(imageSha.get(camB.image));
  });

  it('6. `systemd-analyze security evidock`: the exposure README records', async () => {
    const out = await sh('systemd-analyze security', 'systemd-analyze security --no-pager evidock.service');
    console.log(`[usb] systemd-analyze security evidock.service\n${out}`);
    const overall = /Overall exposure level for evidock\.service: ([\d.]+ \S+)/.exec(out)?.[1];
    expect(overall, out).toBeDefined();
    const readme = fs.readFileSync(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(readme, `README.md should record: Overall exposure level for evidock.service: ${overall}`).toContain(`Overall exposure level for evidock.service: ${overall}`);
  });
});
