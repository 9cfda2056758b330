import { describe, expect, it } from 'vitest';
import { cameraCandidates, parseLsblkJson, type BlockDevice } from '../../src/dock/lsblk.js';
import { fixture } from './helpers.js';

describe('parseLsblkJson on real lsblk 2.38 output (loop devices on the build host)', () => {
  it('reads -O output with udev-db file systems', () => {
    const devs = parseLsblkJson(fixture('lsblk/host-loops-udevdb-O.json'));
    const byName = new Map(devs.map((d) => [d.name, d]));
    expect(byName.get('loop0')).toMatchObject({
      path: '/dev/loop0', type: 'loop', fstype: 'vfat', label: 'CAMTEST', uuid: '1A2B-3C4D',
      readOnly: true, removable: false, size: 67108864, mountpoints: [],
    });
    expect(byName.get('loop1')).toMatchObject({ type: 'loop', fstype: 'exfat', label: 'BODYCAM' });
    expect(byName.get('loop2')).toMatchObject({ fstype: 'vfat', label: 'DSJ_V1', size: 66060288 });
    expect(byName.get('loop0')?.tran).toBeUndefined();
    expect(byName.get('loop0')?.vendor).toBeUndefined();
  });

  it('gives the same devices from -O and from the column list', () => {
    const pick = (d: BlockDevice) => [d.name, d.fstype, d.label, d.uuid, d.size, d.readOnly];
    expect(parseLsblkJson(fixture('lsblk/host-loops-udevdb-columns.json')).map(pick))
      .toEqual(parseLsblkJson(fixture('lsblk/host-loops-udevdb-O.json')).map(pick));
  });

  it('without udevd: no file systems, but FUSE-block mounts show as mount points', () => {
    for (const f of ['host-loops-noudev-fusemounted-O.json', 'host-loops-noudev-fusemounted-columns.json']) {
      const devs = parseLsblkJson(fixture(`lsblk/${f}`));
      expect(devs.every((d) => d.fstype === undefined)).toBe(true);
      expect(devs.find((d) => d.name === 'loop1')?.mountpoints).toEqual(['/tmp/dock-udev/m2']);
      expect(devs.find((d) => d.name === 'vda')?.mountpoints).toEqual(['/']);
    }
  });
});

describe('parseLsblkJson on hand-written USB camera output', () => {
  const devs = parseLsblkJson(fixture('lsblk/handwritten-usb-cameras-columns.json'));

  it('flattens children after their parent and links them', () => {
    expect(devs.map((d) => d.name)).toEqual(['sda', 'sda1', 'sdb', 'sdc', 'sr0', 'nvme0n1', 'nvme0n1p1', 'nvme0n1p2']);
    expect(devs.find((d) => d.name === 'sda1')?.parent).toBe('sda');
    expect(devs.find((d) => d.name === 'sda')?.hasChildren).toBe(true);
  });

  it('trims SCSI padding and lets partitions inherit the disk transport and identity', () => {
    expect(devs.find((d) => d.name === 'sda')).toMatchObject({ vendor: 'ZFY', model: 'DSJ-V1', serial: 'X6033AB1', tran: 'usb', removable: true, hotplug: true });
    expect(devs.find((d) => d.name === 'sda1')).toMatchObject({ tran: 'usb', vendor: 'ZFY', model: 'DSJ-V1', fstype: 'vfat', label: 'DSJ_V1', type: 'part' });
    expect(devs.find((d) => d.name === 'sr0')).toMatchObject({ type: 'rom', fstype: 'iso9660' });
  });

  it('reads util-linux 2.33 output: "0"/"1" strings, string sizes, only MOUNTPOINT', () => {
    const old = parseLsblkJson(fixture('lsblk/handwritten-usb-camera-old-lsblk-2.33.json'));
    expect(old.find((d) => d.name === 'sda')).toMatchObject({ removable: true, readOnly: false, hotplug: true, size: 32010928128, vendor: 'ZFY' });
    expect(old.find((d) => d.name === 'sda1')).toMatchObject({ mountpoints: ['/media/evidock/DSJ_V1'], tran: 'usb', parent: 'sda' });
    expect(old.find((d) => d.name === 'vda')).toMatchObject({ removable: false, mountpoints: ['/'] });
  });

  it('rejects text that is not lsblk JSON', () => {
    expect(() => parseLsblkJson('{"devices": []}')).toThrow(/blockdevices/);
    expect(() => parseLsblkJson('NAME MAJ:MIN')).toThrow();
  });
});

const dev = (over: Partial<BlockDevice>): BlockDevice => ({
  name: 'x', path: '/dev/x', type: 'disk', rawType: over.type ?? 'disk', removable: true, readOnly: false,
  hotplug: true, size: 1 << 30, mountpoints: [], hasChildren: false, ...over,
});

describe('cameraCandidates', () => {
  const table: [string, BlockDevice, boolean, boolean][] = [
    // label, device, included without loops, included with loops
    ['USB vfat partition', dev({ type: 'part', tran: 'usb', fstype: 'vfat' }), true, true],
    ['USB exfat superfloppy', dev({ tran: 'usb', fstype: 'exfat' }), true, true],
    ['USB ntfs partition', dev({ type: 'part', tran: 'usb', fstype: 'ntfs' }), true, true],
    ['USB disk with partitions (the partition is the volume)', dev({ tran: 'usb', fstype: 'vfat', hasChildren: true }), false, false],
    ['USB partition without a file system', dev({ type: 'part', tran: 'usb' }), false, false],
    ['USB ext4 partition (not a camera fs)', dev({ type: 'part', tran: 'usb', fstype: 'ext4' }), false, false],
    ['USB card reader without a card (size 0)', dev({ tran: 'usb', fstype: 'vfat', size: 0 }), false, false],
    ['NVMe EFI system partition (vfat, not USB)', dev({ type: 'part', tran: 'nvme', fstype: 'vfat', removable: false }), false, false],
    ['SATA DVD (rom)', dev({ type: 'rom', tran: 'sata', fstype: 'iso9660' }), false, false],
    ['loop with vfat', dev({ type: 'loop', fstype: 'vfat', removable: false }), false, true],
    ['loop without a file system', dev({ type: 'loop' }), false, false],
    ['lvm volume with vfat', dev({ type: 'other', rawType: 'lvm', fstype: 'vfat' }), false, false],
  ];
  it.each(table)('%s', (_label, d, plain, withLoops) => {
    expect(cameraCandidates([d]).length).toBe(plain ? 1 : 0);
    expect(cameraCandidates([d], { includeLoopDevices: true }).length).toBe(withLoops ? 1 : 0);
  });

  it('keeps volumes someone else mounted, with their mount point', () => {
    const c = cameraCandidates(parseLsblkJson(fixture('lsblk/handwritten-usb-cameras-columns.json')));
    expect(c.map((d) => [d.name, d.mountpoint])).toEqual([['sda1', undefined], ['sdb', '/media/officer/BODYCAM']]);
  });

  it('finds the loop camera images only when loop devices are enabled', () => {
    const devs = parseLsblkJson(fixture('lsblk/host-loops-udevdb-O.json'));
    expect(cameraCandidates(devs)).toEqual([]);
    expect(cameraCandidates(devs, { includeLoopDevices: true }).map((d) => [d.name, d.fstype]))
      .toEqual([['loop0', 'vfat'], ['loop1', 'exfat'], ['loop2', 'vfat']]);
  });
});
