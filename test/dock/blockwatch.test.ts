import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { diffDevices, isUnder, usbIdsOf, releaseStaleMounts } from '../../src/dock/blockwatch.js';
import { attachLoop } from '../../src/dock/loop.js';
import { mountReadOnly } from '../../src/dock/mount.js';
import { mountAt } from '../../src/dock/mountinfo.js';
import type { BlockDevice } from '../../src/dock/lsblk.js';
import { tempDir } from '../helpers/volumes.js';
import { firstMissing, noFuse, notRoot, skipUnless } from '../helpers/require.js';

const dev = (p: string, extra: Partial<BlockDevice> = {}): BlockDevice => ({
  name: path.basename(p), path: p, type: 'part', rawType: 'part', removable: true, readOnly: false, hotplug: true,
  size: 1 << 30, mountpoints: [], hasChildren: false, tran: 'usb', fstype: 'vfat', ...extra,
});

describe('diffDevices', () => {
  const cases: [string, Map<string, { uuid?: string }>, BlockDevice[], BlockDevice[], { added: string[]; removed: string[] }][] = [
    ['a new camera', new Map(), [dev('/dev/sdb1')], [dev('/dev/sdb1')], { added: ['/dev/sdb1'], removed: [] }],
    ['still there, no longer a candidate once mounted (exfat-fuse hides FSTYPE)', new Map([['/dev/sdb1', { uuid: 'A' }]]),
      [], [dev('/dev/sdb1', { fstype: undefined, mountpoints: ['/run/x'] })], { added: [], removed: [] }],
    ['unplugged', new Map([['/dev/sdb1', {}]]), [], [], { added: [], removed: ['/dev/sdb1'] }],
    ['size 0: card pulled from its reader', new Map([['/dev/sdb1', {}]]), [], [dev('/dev/sdb1', { size: 0 })], { added: [], removed: ['/dev/sdb1'] }],
    ['another camera on the same path (new UUID)', new Map([['/dev/loop3', { uuid: 'A' }]]),
      [dev('/dev/loop3', { uuid: 'B' })], [dev('/dev/loop3', { uuid: 'B' })], { added: ['/dev/loop3'], removed: ['/dev/loop3'] }],
  ];
  it.each(cases)('%s', (_n, known, candidates, present, want) => {
    const r = diffDevices(known, candidates as never, present);
    expect({ added: r.added.map((d) => d.path), removed: r.removed }).toEqual(want);
  });
});

describe('isUnder', () => {
  it.each([['/media/cam', ['/media'], true], ['/media', ['/media'], true], ['/mediax/cam', ['/media'], false], ['/x', [], false]] as const)(
    '%s under %j → %s', (p, roots, want) => expect(isUnder(p, [...roots])).toBe(want));
});

describe('usbIdsOf', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
  it('walks up a sysfs-shaped tree to the USB device', () => {
    // Shaped like /sys: class/block/sdb1 → devices/…/2-1/2-1:1.0/host0/…/block/sdb/sdb1
    const root = tempDir('sysfs'); dirs.push(root);
    const usbDev = path.join(root, 'sys/devices/pci0000:00/usb2/2-1');
    const part = path.join(usbDev, '2-1:1.0/host0/target0:0:0/0:0:0:0/block/sdb/sdb1');
    fs.mkdirSync(part, { recursive: true });
    fs.writeFileSync(path.join(usbDev, 'idVendor'), '46f4\n');
    fs.writeFileSync(path.join(usbDev, 'idProduct'), '0001\n');
    fs.writeFileSync(path.join(usbDev, 'serial'), 'ABC1234\n');
    const cls = path.join(root, 'sys/class/block');
    fs.mkdirSync(cls, { recursive: true });
    fs.symlinkSync(part, path.join(cls, 'sdb1'));
    expect(usbIdsOf('sdb1', cls)).toEqual({ usbVid: '46f4', usbPid: '0001', usbSerial: 'ABC1234' });
    expect(usbIdsOf('nosuch', cls)).toBeUndefined();
  });
});

describe('releaseStaleMounts', () => {
  it.skipIf(skipUnless('releaseStaleMounts on real loop devices', firstMissing(notRoot(), noFuse())))('detaches what a killed daemon left mounted under its mount base', async () => {
    const root = tempDir('stale');
    const img = path.join(root, 'cam.img');
    fs.writeFileSync(img, Buffer.alloc(0));
    fs.truncateSync(img, 40 << 20);
    expect(spawnSync('mkfs.vfat', ['-F', '32', img]).status).toBe(0);
    const loop = await attachLoop(img, { readOnly: true });
    const base = path.join(root, 'run', 'mnt');
    try {
      const m = await mountReadOnly(loop.device, 'vfat', path.join(base, 'loopX'));
      expect(await mountAt(m.mountpoint)).toBeDefined();
      const warned: string[] = [];
      expect(await releaseStaleMounts(base, { warn: (msg: string) => { warned.push(msg); } })).toBe(1);
      expect(await mountAt(m.mountpoint)).toBeUndefined();
      expect(warned[0]).toContain('loopX');
      expect(await releaseStaleMounts(base, { warn: () => undefined })).toBe(0);
    } finally {
      await loop.detach();
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
