// Recordings from the QEMU guest's real USB stack (test/fixtures/usb-guest/, written by the
// USB test bed). Files are recognised by content, so new recordings are picked up as they land.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CAMERA_FILESYSTEMS, cameraCandidates, parseLsblkJson } from '../../src/dock/lsblk.js';
import { blockEventInfo, UdevMonitorParser } from '../../src/dock/udev.js';
import { FIXTURES } from './helpers.js';
import { skipUnless } from '../helpers/require.js';

const DIR = process.env.EVIDOCK_GUEST_FIXTURES ?? path.join(FIXTURES, 'usb-guest');

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? files(p) : [p];
  });
}

const all = files(DIR).map((p) => ({ p, name: path.relative(DIR, p), text: readFileSync(p, 'utf8') }));
const lsblk = all.filter((f) => f.text.trimStart().startsWith('{') && f.text.includes('"blockdevices"'));
const udev = all.filter((f) => /^(UDEV|KERNEL)\s*\[/m.test(f.text));


const parse = (text: string, size: number) => {
  const p = new UdevMonitorParser();
  const out = [];
  for (let i = 0; i < text.length; i += size) out.push(...p.push(text.slice(i, i + size)));
  return [...out, ...p.end()];
};

describe.skipIf(skipUnless('guest lsblk recordings', lsblk.length === 0 && `no lsblk recordings in ${DIR}`))('guest lsblk recordings', () => {
  it.each(lsblk.map((f) => [f.name, f.text]))('%s', (_name, text) => {
    const devs = parseLsblkJson(text);
    expect(devs.length).toBeGreaterThan(0);
    for (const d of devs) expect(d.path).toMatch(/^\/dev\//);
    const usbVolumes = devs.filter((d) => d.tran === 'usb' && d.fstype && CAMERA_FILESYSTEMS.has(d.fstype) && !d.hasChildren && d.size > 0);
    const cands = cameraCandidates(devs);
    expect(cands.map((c) => c.path).sort()).toEqual(usbVolumes.map((d) => d.path).sort());
    // The guest's system disks are virtio, never USB: never candidates.
    expect(cands.some((c) => c.name.startsWith('vd'))).toBe(false);
  });
});

describe.skipIf(skipUnless('guest udevadm monitor recordings', udev.length === 0 && `no udevadm monitor recordings in ${DIR}`))('guest udevadm monitor recordings', () => {
  it.each(udev.map((f) => [f.name, f.text]))('%s', (_name, text) => {
    const events = parse(text, 1 << 20);
    const headers = text.split('\n').filter((l) => /^(UDEV|KERNEL)\s*\[/.test(l)).length;
    expect(events).toHaveLength(headers);
    expect(parse(text, 7)).toEqual(events);
    for (const e of events) {
      expect(e.props.ACTION ?? e.action).toBe(e.action);
      if (e.subsystem === 'block') expect(blockEventInfo(e)?.devname).toMatch(/^\/dev\//);
    }
    const usbBlockAdds = events.filter((e) => e.subsystem === 'block' && e.action === 'add' && e.props.ID_BUS === 'usb');
    for (const e of usbBlockAdds) expect(blockEventInfo(e)).toMatchObject({ bus: 'usb', action: 'add' });
  });
});
