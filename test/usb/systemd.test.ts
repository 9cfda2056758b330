// Issue 15, item 4: the real unit under systemd as PID 1. The guest's root file system is a
// minimal Debian made from Debian packages (scripts/usb-testbed/build-systemd.sh); evidock is
// installed as deploy/README.md tells an admin (group, /opt/evidock, config, dataDir, kernel
// modules, `deploy udev-rules`, `deploy systemd-unit`), started with systemctl, and a camera is
// hot-plugged over QMP. Every claim is read back from systemd (systemctl show), /proc and
// evidock's own CLI inside the guest.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import {
  canStartQemu, GuestEvidock, REPO_ROOT, startSystemdGuest, stopAllGuests, waitForUsbDisk, type Guest, type LogEntry,
} from './harness/index.js';
import { fat32Camera, type Camera } from './cameras.js';
import { BWC } from './docking-config.js';

const can = canStartQemu();
if (!can.ok) console.warn(`[usb] systemd unit scenarios skipped: ${can.reason}`);

const CONFIG = '/etc/evidock/evidock.yaml';
const DATA = '/var/lib/evidock';
const UNIT = 'evidock';

interface UnitState { ActiveState: string; SubState: string; MainPID: number; StatusText: string; NRestarts: number; Result: string }
interface Recording { sha256: string; device: string; sourcePath: string }
interface Session { deviceSerial: string; status: string; files: number; failed: number; profile: string }

describe.skipIf(!can.ok)('the evidock unit under systemd (PID 1) in the QEMU guest', () => {
  let guest: Guest;
  let ev: GuestEvidock;
  let tmp: string;
  let cam: Camera;
  let firstSession = 0;
  const timings: Record<string, number> = {};

  const sh = async (script: string, timeoutMs = 60_000) => {
    const r = await guest.sh(script, { timeoutMs });
    if (r.code !== 0) throw new Error(`guest: ${script}\n-> exit ${r.code}\n${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const unit = async (): Promise<UnitState> => {
    const out = await sh(`systemctl show ${UNIT} -p ActiveState,SubState,MainPID,StatusText,NRestarts,Result`);
    const kv = Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    return { ActiveState: kv.ActiveState ?? '', SubState: kv.SubState ?? '', MainPID: Number(kv.MainPID), StatusText: kv.StatusText ?? '',
      NRestarts: Number(kv.NRestarts), Result: kv.Result ?? '' };
  };
  /** The daemon's JSON log until an entry matches (the daemon is systemd's, not the harness's). */
  const waitLogEntry = (pred: (e: LogEntry) => boolean, what: string, timeoutMs = 300_000) =>
    guest.waitFor(async () => (await ev.log()).find(pred), { timeoutMs, intervalMs: 250, what: `daemon log: ${what}` })
      .catch(async (e: Error) => { throw new Error(`${e.message}\n--- journal ---\n${await journal()}`); });
  const journal = () => sh(`journalctl -u ${UNIT} --no-pager -o cat | tail -n 60`).catch((e: Error) => e.message);
  /** Mount points under dataDir in every mount namespace of the guest, by pid. */
  const evidockMounts = async () => {
    const out = await sh(`for m in /proc/[0-9]*/mountinfo; do p=\${m#/proc/}; p=\${p%/mountinfo}; awk -v p=$p '$5 ~ "^${DATA}/run/" { print p, $5, $9 }' $m 2>/dev/null; done; true`);
    return out.trim().split('\n').filter(Boolean).map((l) => { const [pid, target, fstype] = l.split(' '); return { pid: Number(pid), target: target!, fstype: fstype! }; });
  };

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-usbsd-'));
    // Eight 16 MiB photos: a copy that lasts long enough to see the camera mounted.
    cam = await fat32Camera(tmp, { serial: 'CAMS001', badge: '000201', clips: 1, seconds: 2, photos: 1, audio: 1,
      start: new Date(Date.UTC(2026, 10, 26, 9)), bulk: { count: 8, mib: 16 } });
    const t = Date.now();
    guest = await startSystemdGuest(); // no ffprobe in this guest: durations stay unknown, nothing else changes
    timings.bootMs = Date.now() - t;
    expect((await sh('readlink /proc/1/exe')).trim()).toBe('/usr/lib/systemd/systemd');
  });

  afterAll(async () => {
    if (guest?.alive) {
      const j = await journal();
      if (process.env.EVIDOCK_TEST_VERBOSE) console.log(`[usb] journal of ${UNIT}:\n${j}`);
    }
    await stopAllGuests();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    console.log(`[usb] systemd unit timings ${JSON.stringify(timings)}`);
  });

  it('installs as deploy/README.md says: group, program, config, dataDir, modules, udev rules, unit', async () => {
    // Steps 1–4 (the program tree is the read-only project disk).
    await sh([
      'groupadd --system evidock',
      'ln -s /evidock /opt/evidock && ln -s /opt/evidock/bin/evidock /usr/local/bin/evidock',
      'install -d -m 0750 -g evidock /etc/evidock',
      `install -d -m 2770 -o root -g evidock ${DATA}`,
    ].join(' && '));
    // Step 5: the kernel file systems (and the codepages vfat asks for at mount time) at boot.
    await sh('install -m 0644 /opt/evidock/deploy/modules-load.d/evidock.conf /etc/modules-load.d/ && systemctl restart systemd-modules-load');
    expect(await sh('for m in vfat exfat nls_cp437 nls_utf8 sd_mod loop; do grep -q "^$m " /proc/modules && echo $m; done'))
      .toBe('vfat\nexfat\nnls_cp437\nnls_utf8\nsd_mod\nloop\n');
    expect(await sh("awk '$2 == \"sd\" { print $1; exit }' /proc/devices")).toBe('8\n'); // DeviceAllow=block-sd resolves
    // Step 3: the configuration (the docking scenarios' test camera profile, the built-in generic last).
    const generic = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'config/profiles/90-generic.yaml'), 'utf8')) as Record<string, unknown>;
    await guest.writeFile(CONFIG, YAML.stringify({
      dataDir: DATA,
      dock: { blockDevices: true, pollMs: 500, roots: [] },
      profiles: [
        { ...generic, name: 'testcam-bwc', description: 'test camera on QEMU usb-bot + scsi-hd',
          match: { usb: [{ vid: '46f4', pid: '0001' }], vendor: `^${BWC.vendor}$`, model: '^BWC-X6\\b' } },
        generic,
      ],
    }), 0o640);
    await sh(`chgrp evidock ${CONFIG}`);
    ev = new GuestEvidock(guest, CONFIG, DATA);
    ev.env.NODE_COMPILE_CACHE = '/var/cache/evidock-cli'; // the CLI's own cache, not in the unit's way
    expect((await ev.cli(['config', 'check'])).code).toBe(0);
    // Step 6: udev rules generated from the profiles.
    await sh(`evidock --config ${CONFIG} deploy udev-rules >/etc/udev/rules.d/70-evidock.rules && udevadm control --reload`);
    expect(await sh('cat /etc/udev/rules.d/70-evidock.rules')).toMatch(/ATTR\{idVendor\}=="46f4", ATTR\{idProduct\}=="0001"/);
    // Step 7: the unit, verified by systemd itself.
    await sh(`evidock --config ${CONFIG} deploy systemd-unit >/etc/systemd/system/evidock.service`);
    const verify = await guest.sh('systemd-analyze verify /etc/systemd/system/evidock.service', { timeoutMs: 60_000 });
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stderr.split('\n').filter((l) => /evidock\.service/.test(l))).toEqual([]);
    // Test-only drop-in: a 15 s watchdog instead of 60 s. Same mechanism, shorter wait.
    await sh('mkdir -p /etc/systemd/system/evidock.service.d && printf "[Service]\\nWatchdogSec=15\\n" >/etc/systemd/system/evidock.service.d/test-watchdog.conf');
    await sh('systemctl daemon-reload');
    await sh('touch /run/evidock-test-t0 && sleep 1');
  });

  it('systemctl start reaches active only after READY=1', async () => {
    const t = Date.now();
    await sh(`systemctl start --no-block ${UNIT}`);
    const seen: UnitState[] = [];
    const active = await guest.waitFor(async () => {
      const s = await unit();
      seen.push(s);
      if (s.ActiveState === 'failed') throw new Error(`the unit failed: ${JSON.stringify(s)}\n${await journal()}`);
      return s.ActiveState === 'active' ? s : undefined;
    }, { timeoutMs: 180_000, intervalMs: 100, what: `${UNIT} active` });
    timings.startToActiveMs = Date.now() - t;
    // While the daemon ran but had not sent READY=1 (whose STATUS says what it watches), systemd held the unit in activating/start.
    const waiting = seen.filter((s) => s.ActiveState === 'activating' && s.MainPID > 0);
    expect(waiting.length).toBeGreaterThan(0);
    for (const s of waiting) {
      expect(s.SubState).toBe('start');
      expect(s.StatusText).not.toMatch(/^watching/);
    }
    expect(active.StatusText).toMatch(/^watching 0 dock root\(s\) and block devices/);
    expect(active.SubState).toBe('running');
    // The main process is the daemon itself (bin/evidock execs Node), running as root:evidock.
    expect(await sh(`cat /proc/${active.MainPID}/cmdline | tr '\\0' ' '`)).toMatch(/node \/(opt\/)?evidock\/dist\/cli\/main\.js daemon --config \/etc\/evidock\/evidock\.yaml/);
    expect(await sh(`awk '/^Gid:/ { print $2 }' /proc/${active.MainPID}/status`)).toBe(await sh('awk -F: \'$1 == "evidock" { print $3 }\' /etc/group'));
    await waitLogEntry((e) => /^USB hotplug detection on/.test(e.message), 'hotplug detection');
  });

  it('a camera hot-plugged over QMP is detected, mounted inside the unit\'s namespace and ingested', async () => {
    const { MainPID } = await unit();
    const t = Date.now();
    await guest.plugUsbBotScsi({ id: 'camS', image: cam.image, serial: 'USBS0001', vendor: BWC.vendor, product: BWC.product });
    try {
      const disk = await waitForUsbDisk(guest, 'USBS0001', 120_000);
      // Docked: the daemon logs where it mounted the disk; its mount table has it, PID 1's does not.
      const docked = await waitLogEntry((e) => e.message.startsWith('camera volume docked: ') && e.message.includes(`(block /dev/${disk}`), 'docked');
      const target = /^camera volume docked: (\S+) /.exec(docked.message)![1]!;
      expect(target.startsWith(`${DATA}/run/mnt/`)).toBe(true);
      const [unitNs, hostNs] = (await sh(`readlink /proc/${MainPID}/ns/mnt /proc/1/ns/mnt`)).trim().split('\n');
      expect(unitNs).not.toBe(hostNs);
      const seen = (await guest.readFile(`/proc/${MainPID}/mountinfo`)).toString('utf8').split('\n').find((l) => l.split(' ')[4] === target);
      expect(seen, 'mounted in the unit while it copies').toMatch(new RegExp(` - vfat /dev/${disk} ro\\b`));
      expect((await guest.readFile('/proc/1/mountinfo')).toString('utf8')).not.toContain(` ${target} `);

      const ended = await waitLogEntry((e) => e.device === cam.serial && /^ingest (complete|interrupted)\b/.test(e.message), 'ingest ended');
      firstSession = ended.session ?? 0;
      timings.plugToIngestedMs = Date.now() - t;
      expect(ended.message).toMatch(new RegExp(`^ingest complete: ${cam.expected.size} stored, 0 duplicate, 0 already recorded, 0 failed`));
      const recs = (await ev.json<Recording[]>(['recordings', 'list', '--device', cam.serial])).value;
      expect(new Map(recs.map((r) => [r.sourcePath, r.sha256]))).toEqual(cam.expected);
      const sessions = (await ev.json<Session[]>(['sessions', 'list', '--device', cam.serial])).value;
      expect(sessions[0]).toMatchObject({ status: 'complete', profile: 'testcam-bwc', failed: 0 });
      await guest.waitFor(async () => (await evidockMounts()).length === 0, { timeoutMs: 60_000, what: 'the camera released' });
      expect((await ev.json<{ missing: unknown[]; mismatched: unknown[]; auditChain: { ok: boolean } }>(['verify'])).value)
        .toMatchObject({ missing: [], mismatched: [], auditChain: { ok: true } });
    } finally {
      await guest.unplug('camS');
    }
  });

  it('wrote nothing outside dataDir', async () => {
    const { MainPID } = await unit();
    const mountPoints = new Set((await sh('cut -d" " -f5 /proc/1/mountinfo')).trim().split('\n'));
    // Files changed since the unit started, on the root file system, other than the daemon's
    // dataDir and what systemd, udev and the test's own CLI runs keep.
    const changed = (await sh(`find / -xdev -newer /run/evidock-test-t0 \\( -type f -o -type d \\) 2>/dev/null | sort`))
      .trim().split('\n').filter(Boolean)
      .filter((p) => !p.startsWith(`${DATA}/`) && p !== DATA && !mountPoints.has(p))
      .filter((p) => !/^\/var\/log\/journal(\/|$)|^\/var\/cache\/evidock-cli(\/|$)|^\/var\/lib\/systemd(\/|$)|^\/var\/log(\/wtmp)?$|^\/var\/cache$/.test(p))
      // PrivateTmp's directories, made by systemd for the unit (their content is checked below)
      .filter((p) => !/^\/(var\/)?tmp(\/systemd-private-[^/]+-evidock\.service-[^/]+(\/tmp)?)?$/.test(p));
    expect(changed).toEqual([]);
    // The unit's private /tmp and its runtime directory stayed empty.
    expect(await sh(`find /proc/${MainPID}/root/tmp/ /run/evidock/ -mindepth 1`)).toBe('');
    // And the sandbox is what stops it: the root file system is read-only for the daemon.
    expect(await sh(`awk '$5 == "/" { print $6 }' /proc/${MainPID}/mountinfo`)).toMatch(/^ro\b/);
  });

  it('the watchdog restarts a daemon that hangs (SIGSTOP), and the new one docks again', async () => {
    const before = await unit();
    const t = Date.now();
    await sh(`kill -STOP ${before.MainPID}`);
    const after = await guest.waitFor(async () => {
      const s = await unit();
      return s.ActiveState === 'active' && s.MainPID > 0 && s.MainPID !== before.MainPID && s.NRestarts > before.NRestarts ? s : undefined;
    }, { timeoutMs: 180_000, intervalMs: 500, what: 'the watchdog to restart the daemon' });
    timings.hangToRestartedMs = Date.now() - t;
    expect(after.NRestarts).toBe(before.NRestarts + 1);
    expect(await sh(`journalctl -u ${UNIT} --no-pager -o cat | grep -c 'Watchdog timeout' || true`)).not.toBe('0\n');
    expect(await sh(`[ -e /proc/${before.MainPID} ] && echo alive || echo gone`)).toBe('gone\n');
    // The restarted daemon is a working one: the same camera again is recognised as already recorded.
    await waitLogEntry((e) => /^USB hotplug detection on/.test(e.message) && Date.parse(e.timestamp) >= t - 1000, 'hotplug detection after restart');
    await guest.plugUsbBotScsi({ id: 'camS2', image: cam.image, serial: 'USBS0002', vendor: BWC.vendor, product: BWC.product });
    try {
      const ended = await waitLogEntry((e) => e.device === cam.serial && (e.session ?? 0) > firstSession
        && /^ingest (complete|interrupted)\b/.test(e.message), 'second ingest ended');
      expect(ended.message).toMatch(new RegExp(`^ingest complete: 0 stored, 0 duplicate, ${cam.expected.size} already recorded, 0 failed`));
      await guest.waitFor(async () => (await evidockMounts()).length === 0, { timeoutMs: 60_000, what: 'the camera released' });
    } finally {
      await guest.unplug('camS2');
    }
  });

  it('systemctl stop is clean and leaves nothing mounted', async () => {
    // Stop while a camera is mounted: the daemon unmounts it itself before it exits.
    await guest.plugUsbBotScsi({ id: 'camS3', image: cam.image, serial: 'USBS0003', vendor: BWC.vendor, product: BWC.product });
    const { MainPID } = await unit();
    await guest.waitFor(async () => (await guest.readFile(`/proc/${MainPID}/mountinfo`)).toString('utf8').includes(` ${DATA}/run/mnt/`),
      { timeoutMs: 180_000, intervalMs: 100, what: 'mounted again' });
    const since = (await sh('date +%s')).trim();
    const t = Date.now();
    await sh(`systemctl stop ${UNIT}`, 120_000);
    timings.stopMs = Date.now() - t;
    const s = await unit();
    expect(s).toMatchObject({ ActiveState: 'inactive', SubState: 'dead', MainPID: 0, Result: 'success' });
    expect(await evidockMounts()).toEqual([]);
    expect(await sh('grep -c " /var/lib/evidock/run/" /proc/self/mountinfo || true')).toBe('0\n');
    // No process of the unit is left (FUSE helpers included), and its runtime directory is gone.
    expect(await sh('cat /sys/fs/cgroup/system.slice/evidock.service/cgroup.procs 2>/dev/null || true')).toBe('');
    expect(await sh('[ -e /run/evidock ] && echo present || echo gone')).toBe('gone\n');
    const stopLog = await sh(`journalctl -u ${UNIT} --no-pager -o cat --since @${since}`);
    expect(stopLog).not.toMatch(/Failed with result|SIGKILL|Killing process|timed out/);
    await guest.unplug('camS3');
  });

  it('systemd-analyze security rates the sandbox (recorded in README)', async () => {
    const r = await guest.sh(`systemd-analyze security --no-pager ${UNIT}`, { timeoutMs: 60_000 });
    console.log(`[usb] systemd-analyze security ${UNIT}:\n${r.stdout}`);
    const overall = /Overall exposure level for evidock\.service: (\d+\.\d+) (\S+)/.exec(r.stdout);
    expect(overall, r.stdout + r.stderr).not.toBeNull();
    expect(Number(overall![1])).toBeLessThan(5);
  });
});
