// The simulated camera kinds, one per built-in profile: what each leaves on its volume (and
// beside it), as directories and as FAT32/exFAT images.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCameraImage, createCameraVolume, SIM_NAMES } from '../../src/sim/index.js';
import { firstMissing, noFuse, notRoot, skipUnless } from '../helpers/require.js';
import { parseIdentityFile } from '../../src/profiles/identity.js';
import { readState } from '../probes/zfy-sim.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'evidock-simkind-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const base = { serial: 'KND0001', badge: '000321', start: '2026-11-26T00:30:00Z', clips: 2, seconds: 1, photos: 1, audio: 1, timezone: '+08:00' };
const mtools = (cmd: string, args: string[]) => execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });
const media = (dir: string) => readdirSync(path.join(dir, 'DCIM/100MEDIA')).sort();

describe('personalities as directories', () => {
  it('zfy: a state dir for libzfy-sim.so beside the volume, nothing about it on the volume', async () => {
    const dir = path.join(root, 'zfy');
    const r = await createCameraVolume(dir, { ...base, personality: 'zfy', clockOffset: -600, battery: 33, password: '246810' });
    expect(r.zfyDir).toBe(`${dir}.zfy`);
    expect(readdirSync(dir).sort()).toEqual(['DCIM']);
    expect(readState(r.zfyDir!)).toEqual({
      serial: 'KND0001', badge: '000321', name: r.name, unitNo: '000000000000', unitName: '某某县市场监督管理局',
      password: '246810', clockOffset: '-600', battery: '33', width: '320', height: '240', msdc: '0', hang: '0',
    });
    expect(SIM_NAMES).toContain(r.name);
    // named by the camera clock (10 min slow) in GA/T 947 style: serial_badge_time_seq
    expect(media(dir)).toEqual([
      'KND0001_000321_20261126082000_0001.MP4', 'KND0001_000321_20261126082001_0001.JPG',
      'KND0001_000321_20261126082001_0002.MP4', 'KND0001_000321_20261126082032_0001.M4A',
    ].sort());
  });

  it('timeset: DEVINFO.TXT, VID_/IMG_/AUD_ names, and no clock file until evidock writes one', async () => {
    const dir = path.join(root, 'timeset');
    const r = await createCameraVolume(dir, { ...base, personality: 'timeset', clockOffset: 3600 });
    expect(readdirSync(dir).sort()).toEqual(['DCIM', 'DEVINFO.TXT']);
    expect(parseIdentityFile(readFileSync(path.join(dir, 'DEVINFO.TXT'), 'utf8'))).toMatchObject({ serial: 'KND0001', badge: '000321', name: r.name });
    expect(media(dir)).toEqual(['AUD_20261126_093032_0001.M4A', 'IMG_20261126_093001_0001.JPG', 'VID_20261126_093000_0001.MP4', 'VID_20261126_093001_0002.MP4']);
  });

  it('labelled as a directory: no label (and no label file), names with the badge only', async () => {
    const dir = path.join(root, 'labelled');
    const r = await createCameraVolume(dir, { ...base, personality: 'labelled' });
    expect(r.label).toBeUndefined();
    expect(readdirSync(dir).sort()).toEqual(['DCIM']);
    expect(media(dir)[0]).toBe('20261126083000_000321_0001.MP4');
  });

  it('generic stays as it was', async () => {
    const dir = path.join(root, 'generic');
    const r = await createCameraVolume(dir, { ...base });
    expect(readdirSync(dir).sort()).toEqual(['DCIM', 'DEVICE.ID']);
    expect(r.name).toBe('模拟警员 000321');
    expect(r).not.toHaveProperty('label');
  });
});

describe('personalities as FAT32 images', () => {
  it('labelled: the FAT label is the device id and the image holds no sidecar', async () => {
    const img = path.join(root, 'labelled.img');
    const r = await createCameraImage(img, 'fat32', { ...base, personality: 'labelled' });
    expect(r.label).toBe('KND0001');
    expect(mtools('mlabel', ['-s', '-i', img, '::'])).toContain('KND0001');
    expect(mtools('mdir', ['-b', '-i', img, '::/'])).not.toMatch(/evidock-label/);
  });

  it('zfy: the camera state beside the image, nothing pointing at it inside', async () => {
    const img = path.join(root, 'zfy.img');
    const r = await createCameraImage(img, 'fat32', { ...base, personality: 'zfy' });
    expect(r.zfyDir).toBe(`${img}.zfy`);
    expect(readState(r.zfyDir!).serial).toBe('KND0001');
    expect(mtools('mdir', ['-b', '-i', img, '::/'])).not.toMatch(/ZFYSIM/i);
    expect(r.label).toBe('CAM_KND0001');
    await expect(createCameraImage(path.join(root, 'zfy2.img'), 'fat32', { ...base, personality: 'zfy', zfyDir: r.zfyDir! }))
      .rejects.toThrow(/non-empty directory/);
    expect(existsSync(r.zfyDir!)).toBe(true); // a refused image never removes a state dir it did not create
  });

  it('timeset: DEVINFO.TXT in the root', async () => {
    const img = path.join(root, 'timeset.img');
    await createCameraImage(img, 'fat32', { ...base, personality: 'timeset' });
    expect(mtools('mtype', ['-i', img, '::DEVINFO.TXT'])).toMatch(/^serial=KND0001\n/);
  });
});

describe.skipIf(skipUnless('personalities as exFAT images', firstMissing(notRoot(), noFuse())))('personalities as exFAT images', () => {
  it('labelled: the exFAT label is the device id', async () => {
    const img = path.join(root, 'labelled-exfat.img');
    const r = await createCameraImage(img, 'exfat', { ...base, personality: 'labelled', serial: 'KND0002' });
    expect(r.label).toBe('KND0002');
    expect(execFileSync('exfatlabel', [img], { encoding: 'utf8' })).toContain('KND0002');
  });
});
