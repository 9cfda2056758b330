// Captures real guest outputs (lsblk JSON, udev monitor, udevadm info) around USB plugs; with
// `write`, stores them in test/fixtures/usb-guest/ for parser tests elsewhere.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, settle, waitForDiskGone, waitForUsbDisk, type Guest, type GuestProcess } from './harness/index.js';

export const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/usb-guest');
export const LSBLK_COLUMNS = 'NAME,PATH,TRAN,RM,RO,VENDOR,MODEL,SERIAL,LABEL,FSTYPE,SIZE,MOUNTPOINT,TYPE,HOTPLUG,PKNAME';
const MONITOR = ['udevadm', 'monitor', '--property', '--udev', '--subsystem-match=block', '--subsystem-match=usb'];

export interface Recorded {
  lsblkAll: string;
  lsblkColumns: string;
  monitorFat: string;
  monitorBot: string;
  udevInfoFat: string;
  udevInfoBotPart: string;
}

interface Images { fat: string; exfat: string; bot: { vendor: string; product: string } }

async function startMonitor(guest: Guest): Promise<GuestProcess> {
  const mon = await guest.spawn(MONITOR);
  await guest.waitFor(async () => (await mon.output()).stdout.includes('UDEV - the event which udev sends'), { what: 'udevadm monitor header' });
  return mon;
}

/** Stops the monitor once it has printed the removal of the USB device and its disk. */
async function finishMonitor(guest: Guest, mon: GuestProcess): Promise<string> {
  await guest.waitFor(async () => {
    const out = (await mon.output()).stdout;
    return /^UDEV .* remove .*\(block\)$/m.test(out) && /^UDEV .* remove .*\/\d+-\d+ \(usb\)$/m.test(out);
  }, { what: 'udev remove events', timeoutMs: 15_000 });
  return (await mon.stop('SIGINT')).stdout;
}

async function info(guest: Guest, dev: string): Promise<string> {
  return (await guest.exec(['udevadm', 'info', '--query=property', `--name=/dev/${dev}`], { check: true })).stdout;
}

export async function recordFixtures(guest: Guest, img: Images, write: boolean): Promise<Recorded> {
  // 1. A superfloppy FAT32 camera on plain usb-storage: plug, settle, unplug.
  let mon = await startMonitor(guest);
  await guest.plugUsbStorage({ id: 'rec1', image: img.fat, serial: 'ABC1234' });
  const fatDev = await waitForUsbDisk(guest, 'ABC1234');
  await settle(guest);
  const udevInfoFat = await info(guest, fatDev);
  await guest.unplug('rec1');
  await waitForDiskGone(guest, fatDev);
  await settle(guest);
  const monitorFat = await finishMonitor(guest, mon);

  // 2. A camera with its own SCSI strings and an MBR-partitioned exFAT volume.
  mon = await startMonitor(guest);
  await guest.plugUsbBotScsi({ id: 'rec2', image: img.exfat, serial: 'X6033AB1', ...img.bot });
  const botDev = await waitForUsbDisk(guest, 'X6033AB1');
  await settle(guest);
  const udevInfoBotPart = await info(guest, `${botDev}1`);
  await guest.unplug('rec2');
  await waitForDiskGone(guest, botDev);
  await settle(guest);
  const monitorBot = await finishMonitor(guest, mon);

  // 3. Both present, the FAT one mounted read-only as the daemon would: lsblk snapshots.
  await guest.plugUsbStorage({ id: 'rec1', image: img.fat, serial: 'ABC1234' });
  await guest.plugUsbBotScsi({ id: 'rec2', image: img.exfat, serial: 'X6033AB1', ...img.bot });
  const [d1, d2] = await Promise.all([waitForUsbDisk(guest, 'ABC1234'), waitForUsbDisk(guest, 'X6033AB1')]);
  await settle(guest);
  await guest.sh(`mkdir -p /media/ABC1234 && mount -t vfat -o ro /dev/${d1} /media/ABC1234`, { check: true });
  const lsblkAll = (await guest.exec(['lsblk', '-J', '-O'], { check: true })).stdout;
  const lsblkColumns = (await guest.exec(['lsblk', '-J', '-b', '-o', LSBLK_COLUMNS], { check: true })).stdout;
  await guest.sh('umount /media/ABC1234', { check: true });
  await guest.unplug('rec1');
  await guest.unplug('rec2');
  await Promise.all([waitForDiskGone(guest, d1), waitForDiskGone(guest, d2)]);

  const rec: Recorded = { lsblkAll, lsblkColumns, monitorFat, monitorBot, udevInfoFat, udevInfoBotPart };
  if (write) await writeFixtures(guest, rec, img);
  return rec;
}

async function writeFixtures(guest: Guest, rec: Recorded, img: Images): Promise<void> {
  fs.mkdirSync(FIXTURES, { recursive: true });
  const put = (name: string, text: string) => fs.writeFileSync(path.join(FIXTURES, name), text);
  put('lsblk-O.json', rec.lsblkAll);
  put('lsblk-columns.json', rec.lsblkColumns);
  put('udev-monitor-usb-storage-fat32.txt', rec.monitorFat);
  put('udev-monitor-usb-bot-exfat-partitioned.txt', rec.monitorBot);
  put('udevadm-info-usb-storage-fat32.txt', rec.udevInfoFat);
  put('udevadm-info-usb-bot-exfat-part1.txt', rec.udevInfoBotPart);
  const qemu = spawnSync('qemu-system-x86_64', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0];
  const lsblkVersion = (await guest.exec(['lsblk', '--version'])).stdout.trim();
  const meta = {
    recordedBy: 'scripts/usb-testbed/record-fixtures.sh (test/usb/testbed.test.ts)',
    guest: { ...guest.artefacts.info, lsblk: lsblkVersion },
    qemu,
    devices: [
      { qmp: 'usb-storage', serial: 'ABC1234', scsi: 'QEMU / QEMU HARDDISK', volume: 'FAT32 superfloppy, label CAM_TEST, 64 MiB', mountedAt: '/media/ABC1234 (lsblk snapshots only)' },
      { qmp: 'usb-bot + scsi-hd', serial: 'X6033AB1', scsi: `${img.bot.vendor} / ${img.bot.product}`, volume: 'MBR, partition 1 exFAT, label X6_CAM, 64 MiB' },
    ],
    commands: {
      'lsblk-O.json': 'lsblk -J -O',
      'lsblk-columns.json': `lsblk -J -b -o ${LSBLK_COLUMNS}`,
      'udev-monitor-*.txt': `${MONITOR.join(' ')} (plug, udevadm settle, unplug)`,
      'udevadm-info-*.txt': 'udevadm info --query=property --name=/dev/sdX[1]',
    },
  };
  put('meta.json', JSON.stringify(meta, null, 2) + '\n');
}
