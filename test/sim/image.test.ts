// Camera volumes as real filesystem images: FAT32 read back with mtools, exFAT through FUSE.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCameraImage, imageSize, type SimResult } from '../../src/sim/index.js';
import { firstMissing, noFuse, notRoot, skipUnless } from '../helpers/require.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'evidock-simimg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const opts = { serial: 'IMG0001', badge: '004711', start: '2026-11-26T00:30:00Z', clips: 3, seconds: 2 };
const mtools = (cmd: string, args: string[]) =>
  execFileSync(cmd, args, { encoding: 'utf8', env: { ...process.env, MTOOLS_SKIP_CHECK: '1' } });

describe('imageSize', () => {
  const MiB = 1024 * 1024;
  it.each([
    ['fat32', 0, 64 * MiB], ['fat32', 100 * MiB, 131 * MiB], ['exfat', 0, 32 * MiB], ['exfat', 1, 32 * MiB],
  ] as const)('%s with %d bytes of content → %d', (fs, content, size) => {
    expect(imageSize(fs, content)).toBe(size);
  });
});

describe('createCameraImage fat32', () => {
  const img = path.join(root, 'cam.img');
  let r: SimResult;
  beforeAll(async () => { r = await createCameraImage(img, 'fat32', opts); });

  it('is an unpartitioned FAT32 volume labelled after the camera', () => {
    expect(r).toMatchObject({ image: img, fs: 'fat32', label: 'CAM_IMG0001' });
    expect(r.dir).toBeUndefined();
    expect(statSync(img).size).toBe(64 * 1024 * 1024);
    expect(mtools('mlabel', ['-s', '-i', img, '::'])).toContain('CAM_IMG0001');
    expect(readFileSync(img).subarray(82, 90).toString('latin1')).toBe('FAT32   '); // boot sector fs type
  });

  it('lists every file under DCIM/100MEDIA with its long name', () => {
    const listing = mtools('mdir', ['-i', img, '::DCIM/100MEDIA']);
    for (const f of r.files) expect(listing).toContain(path.basename(f.path));
    expect(r.files).toHaveLength(6);
  });

  it('gives back identical bytes', () => {
    const out = path.join(root, 'back');
    mkdirSync(out);
    mtools('mcopy', ['-s', '-i', img, '::DEVICE.ID', '::DCIM', out]);
    for (const f of r.files) {
      expect(execFileSync('sha256sum', [path.join(out, f.path)], { encoding: 'utf8' }).split(' ')[0]).toBe(f.sha256);
    }
    expect(readFileSync(path.join(out, 'DEVICE.ID'), 'utf8')).toMatch(/^serial=IMG0001\nbadge=004711\n/);
  });

  it('passes fsck and has a stable volume id for the same serial', async () => {
    execFileSync('fsck.vfat', ['-n', img]);
    const again = path.join(root, 'again.img');
    await createCameraImage(again, 'fat32', opts);
    expect(readFileSync(again).subarray(67, 71)).toEqual(readFileSync(img).subarray(67, 71)); // BS_VolID
  });

  it('keeps the tree when asked and refuses to overwrite an image', async () => {
    const tree = path.join(root, 'tree');
    const kept = await createCameraImage(path.join(root, 'kept.img'), 'fat32', { ...opts, treeDir: tree, clips: 1 });
    expect(kept.dir).toBe(tree);
    expect(existsSync(path.join(tree, kept.files[0]!.path))).toBe(true);
    await expect(createCameraImage(img, 'fat32', opts)).rejects.toThrow(/refusing to overwrite/);
  });
});

describe.skipIf(skipUnless('exFAT camera images (read-write exfat-fuse)', firstMissing(notRoot(), noFuse())))('createCameraImage exfat', () => {
  it('writes an exFAT volume that reads back identical through FUSE', async () => {
    const img = path.join(root, 'cam-exfat.img');
    const r = await createCameraImage(img, 'exfat', opts);
    expect(r).toMatchObject({ fs: 'exfat', label: 'CAM_IMG0001' });
    expect(execFileSync('exfatlabel', [img], { encoding: 'utf8' })).toContain('CAM_IMG0001');
    execFileSync('fsck.exfat', ['-n', img]);
    expect(execFileSync('losetup', ['-j', img], { encoding: 'utf8' })).toBe(''); // loop device released

    const loop = execFileSync('losetup', ['--find', '--show', '--read-only', img], { encoding: 'utf8' }).trim();
    const mnt = mkdtempSync(path.join(os.tmpdir(), 'evidock-exfat-ro-'));
    try {
      execFileSync('mount.exfat-fuse', ['-o', 'ro', loop, mnt]);
      try {
        for (const f of r.files) {
          const abs = path.join(mnt, f.path);
          expect(execFileSync('sha256sum', [abs], { encoding: 'utf8' }).split(' ')[0]).toBe(f.sha256);
          const end = new Date(f.cameraStart).getTime() + (f.seconds ?? 0) * 1000;
          expect(statSync(abs).mtimeMs).toBe(end);
        }
      } finally {
        execFileSync('fusermount', ['-u', mnt]);
      }
    } finally {
      execFileSync('losetup', ['-d', loop]);
      rmSync(mnt, { recursive: true, force: true });
    }
  });
});
