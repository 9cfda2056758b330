import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { attachLoop } from '../../src/dock/loop.js';
import {
  blockEventInfo, decodeUdevEnc, parseUdevMonitor, UdevMonitorParser, watchUdev, type UdevEvent,
} from '../../src/dock/udev.js';
import { fixture, hasTool, privilegedSkipReason, sh, tempDir } from './helpers.js';
import { skipUnless } from '../helpers/require.js';

const parseAll = (chunks: (string | Uint8Array)[]) => {
  const p = new UdevMonitorParser();
  return [...chunks.flatMap((c) => p.push(c)), ...p.end()];
};

const chunk = (s: string, size: number) => {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out;
};

describe('udevadm monitor parser: real loop-device recording', () => {
  const text = fixture('udev/host-loop-attach-detach.txt');
  const events = parseAll([text]);

  it('reads every event after the banner', () => {
    expect(events).toHaveLength(9);
    expect(events.every((e) => e.source === 'udev' && e.action === 'change' && e.subsystem === 'block')).toBe(true);
    expect(events[0]).toMatchObject({ time: 333.392934, devpath: '/devices/virtual/block/loop0' });
    expect(events[0]?.props).toMatchObject({ DEVNAME: '/dev/loop0', ID_FS_TYPE: 'vfat', ID_FS_LABEL: 'CAMTEST', SEQNUM: '834' });
  });

  it('attach events carry the file system, detach events do not', () => {
    const infos = events.map(blockEventInfo);
    expect(infos.slice(0, 3).map((i) => [i?.devname, i?.fstype, i?.label])).toEqual([
      ['/dev/loop0', 'vfat', 'CAMTEST'], ['/dev/loop2', 'vfat', 'DSJ_V1'], ['/dev/loop1', 'exfat', 'BODYCAM'],
    ]);
    expect(infos.slice(3).every((i) => i?.fstype === undefined)).toBe(true);
  });

  it.each([1, 2, 7, 13, 64, 333])('gives the same events for %i-character chunks', (size) => {
    expect(parseAll(chunk(text, size))).toEqual(events);
  });

  it('handles a split in the middle of a header, a key and a value', () => {
    const cuts = [text.indexOf('UDEV  [333.39') + 5, text.indexOf('ID_FS_TYPE=vfat') + 4, text.indexOf('ID_FS_LABEL=CAMTEST') + 15];
    const parts = [text.slice(0, cuts[0]), text.slice(cuts[0], cuts[1]), text.slice(cuts[1], cuts[2]), text.slice(cuts[2])];
    expect(parseAll(parts)).toEqual(events);
  });

  it('reads interleaved KERNEL and UDEV headers', () => {
    const both = parseAll([fixture('udev/host-loop-kernel-and-udev.txt')]);
    expect(new Set(both.map((e) => e.source))).toEqual(new Set(['kernel', 'udev']));
    const k = both.find((e) => e.source === 'kernel');
    expect(k?.props.ID_FS_TYPE).toBeUndefined();
    expect(k?.props.DEVNAME).toMatch(/^\/dev\/loop\d$/);
  });
});

describe('udevadm monitor parser: USB camera dock and undock (hand-written)', () => {
  const events = parseAll([fixture('udev/handwritten-usb-camera-add-remove.txt')]);

  it('sees the USB device, its interface and its block devices in order', () => {
    expect(events.map((e) => `${e.action} ${e.subsystem} ${e.props.DEVTYPE}`)).toEqual([
      'add usb usb_device', 'add usb usb_interface', 'bind usb usb_interface', 'bind usb usb_device',
      'add block disk', 'add block partition',
      'remove block partition', 'remove block disk',
      'unbind usb usb_interface', 'remove usb usb_interface', 'unbind usb usb_device', 'remove usb usb_device',
    ]);
  });

  it('summarises the camera partition, decoding padded _ENC strings', () => {
    const part = events.find((e) => e.action === 'add' && e.props.DEVTYPE === 'partition');
    expect(part && blockEventInfo(part)).toEqual({
      action: 'add', devname: '/dev/sda1', devtype: 'partition', bus: 'usb', vendorId: '4255', modelId: '1000',
      vendor: 'ZFY', model: 'DSJ-V1', serial: 'X6033AB1', fstype: 'vfat', label: 'DSJ_V1', uuid: '2A4F-61C3',
    });
    expect(blockEventInfo(events[0] as UdevEvent)).toBeUndefined(); // usb subsystem
  });

  it('survives 5-byte Buffer chunks', () => {
    const buf = Buffer.from(fixture('udev/handwritten-usb-camera-add-remove.txt'));
    const parts: Uint8Array[] = [];
    for (let i = 0; i < buf.length; i += 5) parts.push(buf.subarray(i, i + 5));
    expect(parseAll(parts)).toEqual(events);
  });
});

describe('parser edge cases', () => {
  it('splits a UTF-8 label inside a character and flushes an event with no trailing blank line', () => {
    const text = 'UDEV  [10.000001] add      /devices/x/block/sdb/sdb1 (block)\nDEVNAME=/dev/sdb1\nID_FS_LABEL=执法仪01\nID_FS_LABEL_ENC=执法仪\\x2001';
    const bytes = Buffer.from(text);
    const cut = bytes.indexOf(Buffer.from('法')) + 1;
    const events = parseAll([bytes.subarray(0, cut), bytes.subarray(cut)]);
    expect(events).toHaveLength(1);
    expect(events[0]?.props.ID_FS_LABEL).toBe('执法仪01');
    expect(blockEventInfo(events[0] as UdevEvent)?.label).toBe('执法仪 01');
  });

  it('a new header ends an event even without a blank line; CRLF is tolerated', () => {
    const events = parseAll(['KERNEL[1.5] remove   /devices/a (block)\r\nDEVNAME=/dev/a\r\nKERNEL[1.6] add      /devices/b (block)\r\nDEVNAME=b\r\n\r\n']);
    expect(events.map((e) => [e.action, e.props.DEVNAME])).toEqual([['remove', '/dev/a'], ['add', 'b']]);
    expect(blockEventInfo(events[1] as UdevEvent)?.devname).toBe('/dev/b');
  });

  it('decodeUdevEnc', () => {
    expect(decodeUdevEnc('ZFY\\x20\\x20')).toBe('ZFY  ');
    expect(decodeUdevEnc('\\xe6\\x89\\xa7')).toBe('执');
  });

  it('parseUdevMonitor works over an async stream', async () => {
    async function* gen() { yield 'UDEV  [1.0] add      /devices/a (block)\nDEV'; yield 'NAME=/dev/a\n\n'; }
    const got: UdevEvent[] = [];
    for await (const e of parseUdevMonitor(gen())) got.push(e);
    expect(got.map((e) => e.props.DEVNAME)).toEqual(['/dev/a']);
  });
});

describe('watchUdev', () => {
  it('resolves with a warning when udevadm is missing', async () => {
    const warnings: string[] = [];
    const w = await watchUdev(() => {}, { udevadm: '/nonexistent/udevadm', log: { warn: (m) => warnings.push(m) } });
    expect(w.warning).toMatch(/not found/);
    expect(warnings).toHaveLength(1);
    await w.stop();
  });

  // udevadm is not installed on the build host; EVIDOCK_UDEVADM may point at an extracted copy.
  const udevadm = process.env.EVIDOCK_UDEVADM ?? (hasTool('udevadm') ? 'udevadm' : undefined);
  const skip = udevadm ? privilegedSkipReason(['losetup', 'mkfs.vfat']) : 'no udevadm (set EVIDOCK_UDEVADM)';

  it.skipIf(skipUnless('live udevadm monitor', skip))('sees a loop device being attached', async () => {
    const t = tempDir('evidock-udev-');
    const img = path.join(t.dir, 'cam.img');
    writeFileSync(img, '');
    sh('truncate', ['-s', '16M', img]);
    sh('mkfs.vfat', ['-n', 'UDEVTEST', img]);
    const seen: UdevEvent[] = [];
    const w = await watchUdev((e) => seen.push(e), { udevadm, subsystems: ['block'], log: { warn: () => {} } });
    try {
      await new Promise((r) => setTimeout(r, 300)); // let udevadm open its netlink socket
      const loop = await attachLoop(img);
      try {
        const deadline = Date.now() + 5000;
        while (!seen.some((e) => e.props.DEVNAME === loop.device) && Date.now() < deadline) {
          await new Promise((r) => setTimeout(r, 50));
        }
        const ev = seen.find((e) => e.props.DEVNAME === loop.device);
        expect(ev).toMatchObject({ subsystem: 'block', action: 'change', source: w.source });
      } finally {
        await loop.detach();
      }
    } finally {
      await w.stop();
      t.cleanup();
    }
  });
});
