// Real loop devices, real mkfs images, real FUSE mounts: root only.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { probeFilesystem } from '../../src/dock/blkid.js';
import { attachLoop } from '../../src/dock/loop.js';
import { cameraCandidates, listBlockDevices } from '../../src/dock/lsblk.js';
import { mountReadOnly } from '../../src/dock/mount.js';
import { mountAt } from '../../src/dock/mountinfo.js';
import { makeFat32Image, privilegedSkipReason, sh, tempDir } from './helpers.js';
import { skipUnless } from '../helpers/require.js';

const skip = privilegedSkipReason(['losetup', 'mkfs.vfat', 'mkfs.exfat', 'mcopy', 'fusefat', 'mount.exfat-fuse', 'fusermount', 'blkid', 'lsblk']);

const IDENTITY = 'serial=ABC1234\nbadge=000123\nname=张三\n';
const CLIP = 'not really an MP4, but bytes are bytes\n'.repeat(1000);
const CLIP_PATH = 'DCIM/100MEDIA/20261126_083000_ABC1234_000123_0001.MP4';
const silent = { warn: () => {} };

describe.skipIf(skipUnless('dock mount tests (loop + FUSE)', skip))('attachLoop + mountReadOnly over FUSE', () => {
  let t: ReturnType<typeof tempDir>;
  let fatImg: string;
  let exfatImg: string;

  beforeAll(async () => {
    t = tempDir('evidock-mount-');
    fatImg = path.join(t.dir, 'fat32.img');
    makeFat32Image(fatImg, 'CAMFAT', { 'DEVICE.ID': IDENTITY, [CLIP_PATH]: CLIP });

    // No exFAT writer on the host: fill the image through a read-write exfat-fuse mount.
    exfatImg = path.join(t.dir, 'exfat.img');
    writeFileSync(exfatImg, '');
    sh('truncate', ['-s', '64M', exfatImg]);
    sh('mkfs.exfat', ['-L', 'CAMEXFAT', exfatImg]);
    const rw = await attachLoop(exfatImg, { readOnly: false });
    const mnt = path.join(t.dir, 'fill');
    mkdirSync(mnt);
    try {
      sh('mount.exfat-fuse', [rw.device, mnt]);
      mkdirSync(path.join(mnt, 'DCIM/100MEDIA'), { recursive: true });
      writeFileSync(path.join(mnt, 'DEVICE.ID'), IDENTITY);
      writeFileSync(path.join(mnt, CLIP_PATH), CLIP);
      sh('fusermount', ['-u', mnt]);
    } finally {
      await rw.detach();
    }
  });

  afterAll(() => t?.cleanup());

  it.each([
    ['FAT32', () => fatImg, 'vfat', 'CAMFAT'],
    ['exFAT', () => exfatImg, 'exfat', 'CAMEXFAT'],
  ])('%s image: detect, mount read-only, read back, refuse writes, unmount, detach', async (_n, img, fstype, label) => {
    const loop = await attachLoop(img());
    const mp = path.join(t.dir, `mnt-${fstype}`);
    try {
      expect(await probeFilesystem(loop.device)).toMatchObject({ fstype, label });

      // The block-device list sees it (blkid fills FSTYPE that lsblk lacks without udevd).
      const cands = cameraCandidates(await listBlockDevices(), { includeLoopDevices: true });
      expect(cands.find((c) => c.path === loop.device)).toMatchObject({ fstype, label, readOnly: true });

      const m = await mountReadOnly(loop.device, fstype, mp, { log: silent });
      try {
        expect(m.method).toBe('fuse'); // this host's kernel has neither vfat nor exfat
        const entry = await mountAt(m.mountpoint);
        expect(entry?.options).toEqual(expect.arrayContaining(['ro', 'nosuid', 'nodev', 'noexec']));
        expect(readFileSync(path.join(mp, 'DEVICE.ID'), 'utf8')).toBe(IDENTITY);
        expect(readFileSync(path.join(mp, CLIP_PATH), 'utf8')).toBe(CLIP);

        const write = writeFile(path.join(mp, 'evil.txt'), 'x');
        await expect(write).rejects.toMatchObject({ code: expect.stringMatching(/^(EROFS|EACCES|EPERM)$/) });
        await expect(writeFile(path.join(mp, 'DEVICE.ID'), 'tampered')).rejects.toThrow();
      } finally {
        await m.unmount();
      }
      expect(await mountAt(m.mountpoint)).toBeUndefined();
      expect(existsSync(mp)).toBe(false); // we created the mount point, so we removed it
      await m.unmount(); // idempotent
    } finally {
      await loop.detach();
    }
    // The image itself is untouched: still the identity we wrote.
    const again = await attachLoop(img());
    try {
      expect(await probeFilesystem(again.device)).toMatchObject({ fstype, label });
    } finally {
      await again.detach();
    }
  });

  it('unmount waits out a busy mount point, then succeeds', async () => {
    const loop = await attachLoop(fatImg);
    try {
      const m = await mountReadOnly(loop.device, 'vfat', path.join(t.dir, 'busy'), { log: silent });
      // A process with its cwd inside the mount keeps it busy for ~0.5 s.
      const holder = spawnSync('sh', ['-c', `cd ${m.mountpoint} && (sleep 0.5 &) ; echo started`], { encoding: 'utf8' });
      expect(holder.stdout.trim()).toBe('started');
      await m.unmount();
      expect(await mountAt(m.mountpoint)).toBeUndefined();
    } finally {
      await loop.detach();
    }
  });

  it('refuses a device without a camera file system, and a non-camera fs type', async () => {
    const blank = path.join(t.dir, 'blank.img');
    writeFileSync(blank, Buffer.alloc(8 << 20));
    const loop = await attachLoop(blank);
    const mp = path.join(t.dir, 'mnt-blank');
    try {
      expect(await probeFilesystem(loop.device)).toBeUndefined();
      // fusefat dies of SIGFPE on a non-FAT device; the mount must fail cleanly.
      await expect(mountReadOnly(loop.device, 'vfat', mp, { log: silent })).rejects.toThrow(/could not mount/);
      expect(await mountAt(mp)).toBeUndefined();
      expect(existsSync(mp)).toBe(false);
      await expect(mountReadOnly(loop.device, 'ext4', mp)).rejects.toThrow(/not a camera file system/);
    } finally {
      await loop.detach();
    }
  });

  it("prefer: 'kernel' fails with the reason when the kernel has no driver", async () => {
    const has = readFileSync('/proc/filesystems', 'utf8').split('\n').some((l) => l.endsWith('\tvfat'));
    if (has) return; // a kernel with vfat would simply mount it
    const loop = await attachLoop(fatImg);
    try {
      await expect(mountReadOnly(loop.device, 'vfat', path.join(t.dir, 'k'), { prefer: 'kernel' }))
        .rejects.toThrow(/no vfat driver/);
    } finally {
      await loop.detach();
    }
  });
});
