// The QEMU USB test bed itself: a real Linux USB stack sees hot-plugged camera images.
// EVIDOCK_RECORD_USB_FIXTURES=1 (scripts/usb-testbed/record-fixtures.sh) also rewrites
// test/fixtures/usb-guest/ from what the guest printed.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  canStartQemu, lsblk, makeExfatImage, makeFatImage, settle, startGuest, stopAllGuests, usbSysDevices,
  waitForDiskGone, waitForUsbDisk, type CameraFile, type Guest, type LsblkDevice,
} from './harness/index.js';
import { recordFixtures } from './record.js';
import { skipUnless } from '../helpers/require.js';

const can = canStartQemu();
const noQemu = skipUnless('QEMU USB test bed', can.ok ? undefined : can.reason);

const MiB = 1024 * 1024;
const at = (hhmmss: string) => new Date(`2026-11-26T${hhmmss}`); // the names' local camera time
const CAM_FILES: CameraFile[] = [
  { path: 'DEVICE.ID', data: 'serial=ABC1234\nbadge=000123\nmodel=TestCam T1\nname=Jane Doe\nunit=UNIT01\n', mtime: at('08:00:00') },
  { path: 'DCIM/100MEDIA/20261126_083000_ABC1234_000123_0001.MP4', data: crypto.randomBytes(3 * MiB), mtime: at('08:35:00') },
  { path: 'DCIM/100MEDIA/20261126_083512_ABC1234_000123_0001.JPG', data: crypto.randomBytes(300_000), mtime: at('08:35:12') },
  { path: 'DCIM/100MEDIA/20261126_084000_ABC1234_000123_0001.M4A', data: crypto.randomBytes(700_000), mtime: at('08:45:00') },
];
const BOT = { vendor: 'EVIDCAM', product: 'BWC-X6 BodyCam' };
const flag = (v: unknown) => v === true || v === 1 || v === '1';
const sha256 = (d: Buffer | string) => crypto.createHash('sha256').update(d).digest('hex');
const byName = (devs: LsblkDevice[], name: string) => devs.find((d) => d.name === name);

describe.skipIf(noQemu)('QEMU USB test bed', () => {
  let guest: Guest;
  let tmp: string;
  const img = (name: string) => path.join(tmp, name);
  const timings: Record<string, number> = {};
  const t0 = Date.now();

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-usbtest-'));
    const tImg = Date.now();
    makeFatImage(img('cam-fat32.img'), { sizeMiB: 64, label: 'CAM_TEST', volumeId: '2026CA01', files: CAM_FILES });
    makeFatImage(img('cam-fat32-b.img'), { sizeMiB: 64, label: 'CAM_B', volumeId: '2026CA02', files: CAM_FILES.slice(0, 2) });
    makeExfatImage(img('cam-exfat-part.img'), { sizeMiB: 64, label: 'X6_CAM', partitioned: true });
    timings.imagesMs = Date.now() - tImg;
    guest = await startGuest();
    timings.buildMs = guest.timings.buildMs;
    timings.bootToReadyMs = guest.timings.bootMs;
    timings.guestInitDoneUptimeS = guest.timings.initDoneUptime;
  });

  afterAll(async () => {
    await stopAllGuests();
    if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
    timings.totalMs = Date.now() - t0;
    console.log(`[usb] timings ${JSON.stringify(timings)}`);
  });

  // A failed test must not leave mounts or devices behind for the next one.
  afterEach(async () => {
    if (!guest?.alive) return;
    await guest.sh(`for m in $(awk '$2 ~ "^/(mnt|media)/" { print $2 }' /proc/mounts); do umount -l "$m"; done`);
    await guest.usb.unplugAll();
  });

  it('boots with Node, the project disk and the USB/FAT modules', async () => {
    expect((await guest.exec(['node', '--version'], { check: true })).stdout.trim()).toMatch(/^v24\./);
    const mounts = (await guest.readFile('/proc/mounts')).toString();
    expect(mounts).toMatch(/^\/dev\/vd\w+ \/evidock ext4 ro[, ]/m);
    const mods = (await guest.readFile('/proc/modules')).toString();
    for (const m of ['xhci_pci', 'usb_storage', 'uas', 'sd_mod', 'vfat', 'exfat']) expect(mods).toMatch(new RegExp(`^${m} `, 'm'));
    // The project's native addon loads from the read-only disk (libraries via /evidock/.testbed/lib).
    const sql = await guest.exec(['node', '-e', "console.log(require('/evidock/node_modules/better-sqlite3')(':memory:').prepare('select 41+1 as x').get().x)"], { check: true });
    expect(sql.stdout.trim()).toBe('42');
    const cli = await guest.exec(['/evidock/bin/evidock', '--help'], { timeoutMs: 60_000 });
    expect(cli.code, cli.stderr).toBe(0);
  });

  it('hot-plugs a FAT32 camera as usb-storage and reads its files with the kernel vfat', async () => {
    const before = await usbSysDevices(guest);
    const tPlug = Date.now();
    await guest.plugUsbStorage({ id: 'cam1', image: img('cam-fat32.img'), serial: 'ABC1234' });
    const dev = await waitForUsbDisk(guest, 'ABC1234');
    timings.plugToDevMs = Date.now() - tPlug;
    await settle(guest);
    timings.plugToSettledMs = Date.now() - tPlug;
    expect(dev).toMatch(/^sd[a-z]$/);

    const added = (await usbSysDevices(guest)).filter((d) => !before.includes(d));
    const usbDev = added.find((d) => /^\d+-[\d.]+$/.test(d));
    expect(usbDev, `new entries: ${added.join(' ')}`).toBeDefined();
    const attr = async (a: string) => (await guest.readFile(`/sys/bus/usb/devices/${usbDev}/${a}`)).toString().trim();
    expect([await attr('idVendor'), await attr('idProduct'), await attr('serial')]).toEqual(['46f4', '0001', 'ABC1234']);

    const disk = byName(await lsblk(guest), dev);
    expect(disk).toMatchObject({ tran: 'usb', serial: 'ABC1234', fstype: 'vfat', label: 'CAM_TEST', type: 'disk' });
    expect(flag(disk?.rm)).toBe(true);
    expect(flag(disk?.hotplug)).toBe(true);
    expect((await guest.sh('ls /dev/disk/by-id/')).stdout).toMatch(/usb-QEMU_QEMU_HARDDISK_ABC1234-0:0/);

    // The project's `usb` package (libusb) sees QEMU's mass-storage device, 46f4:0001.
    const found = await guest.exec(['node', '-e',
      "require('/evidock/node_modules/usb').usb.findDeviceBySerial('ABC1234').then((d) => { console.log(JSON.stringify(d && [d.vendorId, d.productId])); process.exit(0); })"], { check: true });
    expect(JSON.parse(found.stdout)).toEqual([0x46f4, 0x0001]);

    await guest.sh(`mkdir -p /mnt/cam1 && mount -t vfat -o ro /dev/${dev} /mnt/cam1`, { check: true });
    const sums = await guest.sh('cd /mnt/cam1 && find . -type f | sort | xargs sha256sum', { check: true });
    const got = Object.fromEntries(sums.stdout.trim().split('\n').map((l) => { const [h, f] = l.split(/\s+/); return [f!.replace(/^\.\//, ''), h]; }));
    expect(got).toEqual(Object.fromEntries(CAM_FILES.map((f) => [f.path, sha256(f.data)])));
    expect((await guest.readFile('/proc/mounts')).toString()).toMatch(new RegExp(`^/dev/${dev} /mnt/cam1 vfat ro[, ]`, 'm'));
    await guest.sh('umount /mnt/cam1', { check: true });

    const tUnplug = Date.now();
    await guest.unplug('cam1');
    await waitForDiskGone(guest, dev);
    timings.unplugToGoneMs = Date.now() - tUnplug;
    // The disk goes first; the USB device's sysfs entry follows a moment later.
    await guest.waitFor(['sh', '-c', `! [ -e /sys/bus/usb/devices/${usbDev} ]`], { timeoutMs: 10_000 });
    expect(await usbSysDevices(guest)).not.toContain(usbDev);
    expect(byName(await lsblk(guest), dev)).toBeUndefined();
  });

  it('shows the SCSI vendor/model of a usb-bot + scsi-hd camera with a partitioned exFAT volume', async () => {
    await guest.plugUsbBotScsi({ id: 'cam2', image: img('cam-exfat-part.img'), serial: 'X6033AB1', ...BOT });
    const dev = await waitForUsbDisk(guest, 'X6033AB1');
    await settle(guest);
    const disk = byName(await lsblk(guest), dev);
    expect(String(disk?.vendor).trim()).toBe(BOT.vendor);
    expect(String(disk?.model).trim()).toBe(BOT.product);
    expect(disk).toMatchObject({ tran: 'usb', serial: 'X6033AB1', pttype: 'dos' });
    expect(flag(disk?.rm)).toBe(true);
    const part = disk?.children?.[0];
    expect(part).toMatchObject({ name: `${dev}1`, type: 'part', fstype: 'exfat', label: 'X6_CAM', pkname: dev });

    // exFAT is filled from inside the guest (no writer on the host), then read back read-only.
    await guest.sh(`mkdir -p /mnt/cam2 && mount -t exfat /dev/${dev}1 /mnt/cam2 && mkdir -p /mnt/cam2/DCIM/100MEDIA &&
      echo clip > /mnt/cam2/DCIM/100MEDIA/20261126_090000_X6033AB_000777_0001.MP4 && umount /mnt/cam2 &&
      mount -t exfat -o ro /dev/${dev}1 /mnt/cam2`, { check: true });
    expect((await guest.sh('cat /mnt/cam2/DCIM/100MEDIA/*.MP4', { check: true })).stdout).toBe('clip\n');
    await guest.sh('umount /mnt/cam2', { check: true });

    await guest.unplug('cam2');
    await waitForDiskGone(guest, dev);
  });

  it('plugs two cameras at once', async () => {
    await Promise.all([
      guest.plugUsbStorage({ id: 'camA', image: img('cam-fat32-b.img'), serial: 'DEF5678' }),
      guest.plugUsbBotScsi({ id: 'camB', image: img('cam-exfat-part.img'), serial: 'X6033AB2', ...BOT }),
    ]);
    const [a, b] = await Promise.all([waitForUsbDisk(guest, 'DEF5678'), waitForUsbDisk(guest, 'X6033AB2')]);
    expect(a).not.toBe(b);
    await settle(guest);
    const devs = await lsblk(guest);
    expect(byName(devs, a)).toMatchObject({ tran: 'usb', serial: 'DEF5678', label: 'CAM_B', fstype: 'vfat' });
    expect(byName(devs, b)).toMatchObject({ tran: 'usb', serial: 'X6033AB2' });
    await Promise.all([guest.unplug('camA'), guest.unplug('camB')]);
    await Promise.all([waitForDiskGone(guest, a), waitForDiskGone(guest, b)]);
    expect((await lsblk(guest)).filter((d) => d.tran === 'usb')).toEqual([]);
  });

  it('keeps the command channel through timeouts, background jobs and an agent restart', async () => {
    const slow = await guest.exec(['sleep', '30'], { timeoutMs: 300 });
    expect(slow.timedOut).toBe(true);
    const bin = await guest.exec(['head', '-c', '256', '/dev/urandom']);
    expect(bin.stdoutBytes.length).toBe(256);
    const job = await guest.spawn(['sh', '-c', 'echo started; exec sleep 300']);
    await guest.waitFor(async () => (await job.output()).stdout === 'started\n', { what: 'job output' });
    expect((await job.stop()).signal).toBe('SIGTERM');
    // The agent dies under its own request; PID 1 restarts it and the pending request fails fast.
    await expect(guest.exec(['sh', '-c', 'kill $PPID; sleep 5'])).rejects.toThrow(/agent \(re\)started/);
    expect((await guest.exec(['echo', 'back'], { check: true })).stdout).toBe('back\n');
    expect(guest.alive).toBe(true);
  });

  it('records lsblk and udev monitor output of real plugs', async () => {
    const rec = await recordFixtures(guest, {
      fat: img('cam-fat32.img'), exfat: img('cam-exfat-part.img'), bot: BOT,
    }, process.env.EVIDOCK_RECORD_USB_FIXTURES === '1');
    expect(rec.monitorFat).toMatch(/^UDEV {2}\[[\d.]+\] add +\/devices\/.*\/usb\d\/\d-\d \(usb\)$/m);
    expect(rec.monitorFat).toMatch(/^ACTION=add\nDEVPATH=\/devices\/.*\/block\/sd[a-z]\nSUBSYSTEM=block\n/m);
    expect(rec.monitorFat).toContain('ID_SERIAL_SHORT=ABC1234');
    expect(rec.monitorFat).toContain('ID_FS_LABEL=CAM_TEST');
    expect(rec.monitorFat).toMatch(/^UDEV {2}\[[\d.]+\] remove +\/devices\/.*\/block\/sd[a-z] \(block\)$/m);
    expect(rec.monitorBot).toContain('ID_FS_TYPE=exfat');
    const cols = JSON.parse(rec.lsblkColumns) as { blockdevices: LsblkDevice[] };
    expect(cols.blockdevices.filter((d) => d.tran === 'usb').map((d) => d.serial).sort()).toEqual(['ABC1234', 'X6033AB1']);
  });
});
