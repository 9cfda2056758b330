import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { enumerateVolume, globBase } from '../../src/profiles/enumerate.js';
import { parseIdentityFile, readIdentity } from '../../src/profiles/identity.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';

let dir: string;
beforeEach(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-enum-')); });
afterEach(() => { fs.rmSync(dir, { recursive: true, force: true }); });

function put(rel: string, body = 'x') {
  fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
  fs.writeFileSync(path.join(dir, rel), body);
}

describe('globBase', () => {
  it.each([['DCIM/**/*.MP4', 'DCIM'], ['*.MP4', ''], ['DCIM/100MEDIA/*.JPG', 'DCIM/100MEDIA'], ['A/{x,y}/*.MP4', 'A']])(
    '%s → %s', (g, want) => expect(globBase(g)).toBe(want));
});

describe('enumerateVolume', () => {
  it('lists matching regular files in order, case-insensitively, and ignores others', async () => {
    put('DEVICE.ID', 'serial=ABC1234');
    put('DCIM/100MEDIA/20261126_083000_ABC1234_000123_0002.MP4');
    put('DCIM/100MEDIA/20261126_083000_ABC1234_000123_0001.mp4');
    put('DCIM/100MEDIA/notes.txt');
    put('MISC/other.MP4');
    const { files, problems } = await enumerateVolume(dir, GENERIC_PROFILE);
    expect(files.map((f) => f.rel)).toEqual([
      'DCIM/100MEDIA/20261126_083000_ABC1234_000123_0001.mp4',
      'DCIM/100MEDIA/20261126_083000_ABC1234_000123_0002.MP4',
    ]);
    expect(problems).toEqual([]);
  });

  it('reports symlinks, FIFOs, device-like entries and ".." names, one problem each', async () => {
    put('DCIM/100MEDIA/good.MP4', 'good');
    fs.symlinkSync('/etc/passwd', path.join(dir, 'DCIM/100MEDIA/link.MP4'));
    fs.symlinkSync('/etc', path.join(dir, 'DCIM/evil'));
    spawnSync('mkfifo', [path.join(dir, 'DCIM/100MEDIA/pipe.MP4')]);
    put('DCIM/100MEDIA/a..b.MP4');
    const { files, problems } = await enumerateVolume(dir, GENERIC_PROFILE);
    expect(files.map((f) => f.rel)).toEqual(['DCIM/100MEDIA/good.MP4']);
    const byRel = Object.fromEntries(problems.map((p) => [p.rel, p.code]));
    expect(byRel).toEqual({
      'DCIM/100MEDIA/link.MP4': 'symlink',
      'DCIM/evil': 'symlink',
      'DCIM/100MEDIA/pipe.MP4': 'fifo',
      'DCIM/100MEDIA/a..b.MP4': 'bad-name',
    });
    for (const p of problems) expect(p.message).toContain(p.rel);
  });

  it('does not follow a symlinked DCIM', async () => {
    fs.mkdirSync(path.join(dir, 'real/100MEDIA'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'real/100MEDIA/x.MP4'), 'x');
    fs.symlinkSync(path.join(dir, 'real'), path.join(dir, 'DCIM'));
    const { files, problems } = await enumerateVolume(dir, GENERIC_PROFILE);
    expect(files).toEqual([]);
    expect(problems.map((p) => p.code)).toEqual(['symlink']);
  });
});

describe('identity', () => {
  it('parses key=value lines', () => {
    expect(parseIdentityFile('# camera\nserial=ABC1234\r\nbadge = 000123\nname=张三\njunk\n'))
      .toEqual({ serial: 'ABC1234', badge: '000123', name: '张三' });
  });
  it('reads the identity file; without one only the hints remain', async () => {
    put('DEVICE.ID', 'serial=ABC1234\nbadge=000123\n');
    expect(await readIdentity(dir, GENERIC_PROFILE)).toEqual({ serial: 'ABC1234', badge: '000123' });
    fs.rmSync(path.join(dir, 'DEVICE.ID'));
    expect(await readIdentity(dir, GENERIC_PROFILE, { serial: 'USB0001' })).toEqual({ serial: 'USB0001' });
  });
});
