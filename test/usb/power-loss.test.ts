// Fault suite, power loss (issue 7), in the QEMU guest: evidock's dataDir is an ext4 file system on
// a device-mapper device over a scratch disk. In each of 20 rounds the daemon docks a USB camera
// and, at a random moment once a copy is in flight, the power "goes": the device is switched to the
// flakey target's drop_writes (every write from then on silently lost, as a write cache that never
// reached the platter), the daemon is SIGKILLed, the file system unmounted (its last writes dropped
// too), the caches dropped, the device switched back and remounted, so nothing is served from the
// page cache and ext4 replays its journal as after a real power cut. Then: every recording the
// database holds has its object present and matching (`verify`), nothing is recorded twice, and
// the next dock completes the camera.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canStartQemu, GuestEvidock, startGuest, stopAllGuests, waitForUsbDisk, type Guest } from './harness/index.js';
import { fat32Camera, type Camera } from './cameras.js';
import { dockingConfig } from './docking-config.js';
import { skipUnless } from '../helpers/require.js';
import { faultSummary } from '../helpers/faults.js';

const can = canStartQemu();
const noQemu = skipUnless('power loss in the QEMU guest (dm-flakey)', can.ok ? undefined : can.reason);

const ROUNDS = Number(process.env.EVIDOCK_POWERLOSS_ROUNDS ?? 20); // fewer only to debug
const MNT = '/flakey';
const DATA = `${MNT}/evidock`;
const DM = 'evidock-pl';
const DM_ENV = { DM_DISABLE_UDEV: '1' }; // the guest's udev has no device-mapper rules to answer dmsetup
let seed = 777;
const rand = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return seed / 2 ** 31; };

interface Recording { sha256: string; device: string; sourcePath: string }
interface VerifyReport { objects: number; ok: number; missing: string[]; mismatched: string[]; auditChain: { ok: boolean } }

describe.skipIf(noQemu)('fault suite: power loss under an ingest (dm-flakey in the QEMU guest)', () => {
  let guest: Guest;
  let ev: GuestEvidock;
  let tmp: string;
  let disk = '';
  let sectors = 0;
  const cams: Camera[] = [];

  const sh = async (script: string, timeoutMs = 60_000) => {
    const r = await guest.exec(['sh', '-c', script], { timeoutMs, env: DM_ENV });
    if (r.code !== 0) throw new Error(`guest: ${script}\nexit ${r.code}: ${r.stderr}${r.stdout}`);
    return r.stdout;
  };
  const table = (mode: 'linear' | 'drop') => (mode === 'linear'
    ? `0 ${sectors} linear /dev/${disk} 0`
    : `0 ${sectors} flakey /dev/${disk} 0 0 3600 1 drop_writes`);
  /** Swaps the device's table without freezing the file system first (a freeze would flush it). */
  const swap = (mode: 'linear' | 'drop') =>
    `dmsetup --noudevsync suspend --nolockfs ${DM} && dmsetup --noudevsync load ${DM} --table '${table(mode)}' && dmsetup --noudevsync resume ${DM}`;
  const mount = () => sh(`mkdir -p ${MNT} && mount -t ext4 /dev/mapper/${DM} ${MNT}`);
  /** Object files in the store (committed or about to be). */
  const storedObjects = async () => Number((await sh(`find ${DATA}/store/sha256 -type f 2>/dev/null | wc -l`)).trim());

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-powerloss-'));
    const img = path.join(tmp, 'store.ext4');
    fs.writeFileSync(img, '');
    fs.truncateSync(img, 1536 << 20);
    const mk = spawnSync('mkfs.ext4', ['-q', '-F', '-L', 'flakey', img], { encoding: 'utf8' });
    if (mk.status !== 0) throw new Error(`mkfs.ext4: ${mk.stderr}`);
    // Three cameras of 20 × 3 MiB photos: a later one is docked once an earlier one is complete.
    for (let i = 0; i < 3; i++) {
      cams.push(await fat32Camera(tmp, { serial: `PWR000${i + 1}`, badge: `00090${i}`, clips: 0, seconds: 1, photos: 1, audio: 0,
        start: new Date(Date.UTC(2026, 10, 26, 6 + i)), bulk: { count: 20, mib: 3 } }));
    }
    guest = await startGuest({
      extraQemuArgs: ['-drive', `if=none,id=pl,file=${img},format=raw`, '-device', 'virtio-blk-pci,drive=pl,serial=evidock-powerloss'],
    });
    disk = (await sh('for b in /sys/block/vd*; do [ "$(cat $b/serial 2>/dev/null)" = evidock-powerloss ] && echo ${b##*/}; done')).trim();
    expect(disk).toMatch(/^vd[a-z]$/);
    sectors = Number((await sh(`blockdev --getsz /dev/${disk}`)).trim());
    await sh(`modprobe dm-flakey && dmsetup --noudevsync create ${DM} --table '${table('linear')}'`);
    await mount();
    ev = await GuestEvidock.install(guest, dockingConfig(DATA), { dataDir: DATA });
  }, 600_000);

  afterAll(async () => {
    if (guest?.alive) await guest.usb.unplugAll().catch(() => {});
    await stopAllGuests();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** The power cut, in one guest command so nothing runs between its steps. Returns temps seen at the cut. */
  async function powerCut(daemonPid: number): Promise<number> {
    const out = await sh([
      `n=$(ls ${DATA}/store/tmp 2>/dev/null | wc -l)`,
      swap('drop'),
      `kill -9 ${daemonPid}`,
      // What the dead daemon had mounted (the camera, under dataDir/run/mnt), then the store's fs.
      `for m in $(awk '$2 ~ "^${DATA}/run/mnt/" { print $2 }' /proc/mounts); do umount -l "$m"; done`,
      `umount ${MNT} || umount -l ${MNT}`,
      `blockdev --flushbufs /dev/mapper/${DM}; echo 3 > /proc/sys/vm/drop_caches`,
      swap('linear'),
      'echo $n',
    ].join(' && '));
    return Number(out.trim().split('\n').pop());
  }

  it(`${ROUNDS} power cuts at random moments mid-ingest: what custody holds is intact, nothing twice, the next dock completes`, async () => {
    let landed = 0;
    let lost = 0;
    let duplicated = 0;
    let objects = 0;
    const rounds: { cam: string; temps: number; objectsBefore: number; objectsAfter: number }[] = [];
    const want = (k: number) => cams.slice(0, k + 1).reduce((a, c) => a + c.expected.size, 0);
    let cam = 0;
    const t0 = Date.now();
    let cut: { i: number; cam: string; temps: number; want: number } | undefined;
    // Every recording the database holds has its object, matching, after every cut (verified while
    // the next round's daemon starts; a later round could otherwise store a lost object again and
    // hide it). Recordings cannot be deleted or changed (triggers): duplicates and wrong content are
    // counted once, at the end.
    const settle = (v: { code: number | null; value: VerifyReport }) => {
      const k = cut!;
      expect(v.code, `after cut ${k.i + 1}: verify: ${JSON.stringify(v.value)}`).toBe(0);
      const before = objects;
      objects = v.value.objects;
      const partial = objects > before && objects < k.want;
      if (k.temps > 0 || partial) landed++;
      rounds.push({ cam: k.cam, temps: k.temps, objectsBefore: before, objectsAfter: objects });
      console.log(`[usb] power cut ${k.i + 1}/${ROUNDS}: ${k.cam}, ${k.temps} temp file(s) at the cut, objects ${before} → ${objects}, `
        + `${Math.round((Date.now() - t0) / 1000)} s`);
    };
    for (let i = 0; i < ROUNDS; i++) {
      // The previous cut's verify runs while this round's daemon starts.
      const verifying = i === 0 ? undefined : ev.json<VerifyReport>(['verify'], { codes: [0, 3] });
      await ev.startDaemon(120_000);
      if (verifying) settle(await verifying);
      while (cam < cams.length - 1 && objects >= want(cam)) cam++; // this camera is done: the next one
      const c = cams[cam]!;
      const stale = new Set((await ev.storeTemps()).map((t) => t.name));
      const storedBefore = await storedObjects();
      await guest.plugUsbStorage({ id: 'cam', image: c.image, serial: `USBP${i}` });
      // A random moment once this ingest has a copy of its own in flight: half the rounds early in
      // the copy, half once 1–4 more files are committed (so the camera makes progress between cuts).
      const after = rand() < 0.5 ? 0 : 1 + Math.floor(rand() * 4);
      await guest.waitFor(async () => (await ev.storeTemps()).some((t) => !stale.has(t.name))
        && (after === 0 || (await storedObjects()) >= storedBefore + after),
      { timeoutMs: 120_000, intervalMs: 100, what: `round ${i}: a copy from ${c.serial} in flight` }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, Math.floor(rand() * 1000)));
      const temps = await powerCut(ev.daemon!.pid);
      await ev.daemon!.wait(10_000).catch(() => undefined);
      ev.daemon = null;
      await guest.unplug('cam');
      await mount(); // journal replayed, nothing from before the cut in any cache

      cut = { i, cam: c.serial, temps, want: want(cam) };
    }
    settle((await ev.json<VerifyReport>(['verify'], { codes: [0, 3] })));

    // The next docks complete every camera used.
    await ev.startDaemon(120_000);
    for (const [k, c] of cams.entries()) {
      if (k > cam) break;
      const from = (await ev.log()).length;
      await guest.plugUsbStorage({ id: 'cam', image: c.image, serial: `USBF${k}` });
      await waitForUsbDisk(guest, `USBF${k}`);
      await ev.waitLog((e) => e.device === c.serial && /^ingest (complete|interrupted)/.test(e.message), `final dock of ${c.serial}`,
        { since: from, timeoutMs: 300_000 });
      await guest.unplug('cam');
    }
    await ev.stopDaemon();
    const recs = (await ev.json<Recording[]>(['recordings', 'list'])).value;
    const seen = new Set<string>();
    for (const r of recs) {
      const key = `${r.device}\n${r.sourcePath}`;
      if (seen.has(key)) duplicated++;
      seen.add(key);
      if (cams.find((k) => k.serial === r.device)?.expected.get(r.sourcePath) !== r.sha256) lost++; // content the camera never had
    }
    for (const c of cams.slice(0, cam + 1)) {
      const mine = recs.filter((r) => r.device === c.serial);
      const paths = new Map(mine.map((r) => [r.sourcePath, r.sha256]));
      for (const [p, h] of c.expected) if (paths.get(p) !== h) lost++; // never completed
    }
    const v = await ev.json<VerifyReport>(['verify'], { codes: [0, 3] });
    faultSummary({ kind: 'power-loss', rounds: ROUNDS, landedMidCopy: landed, lost, duplicated });
    expect(v.code, JSON.stringify(v.value)).toBe(0);
    expect({ lost, duplicated }).toEqual({ lost: 0, duplicated: 0 });
    expect(landed, JSON.stringify(rounds)).toBeGreaterThanOrEqual(Math.ceil(ROUNDS * 0.75));
  }, 2_400_000); // ~20 s a round on an idle 2-core machine; several times that when it is shared
});
