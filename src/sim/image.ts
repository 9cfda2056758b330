// Packs a simulated camera volume into an unpartitioned FAT32 or exFAT image, as a camera's
// storage looks when attached over USB. FAT32 is filled with mtools (no mount needed); exFAT
// needs a read-write FUSE mount of a loop device, so root and /dev/fuse.
import { existsSync } from 'node:fs';
import { cp, mkdtemp, open, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { run } from './exec.js';
import { attachLoop } from '../dock/loop.js';
import { SimUsageError, type SimOptions } from './options.js';
import { createCameraVolume, volumeLabel, type SimResult } from './volume.js';

export const IMAGE_FILESYSTEMS = ['fat32', 'exfat'] as const;
export type ImageFs = (typeof IMAGE_FILESYSTEMS)[number];

const MiB = 1024 * 1024;
const MIN_SIZE: Record<ImageFs, number> = { fat32: 64 * MiB, exfat: 32 * MiB }; // mkfs.vfat -F 32 wants ≥ ~33 MiB

export interface ImageOptions extends SimOptions {
  /** Also keep the volume tree here (otherwise it is staged in a temp dir and removed). */
  treeDir?: string;
  /** Adds files to the volume tree before it is packed (tests: bulk data to slow a copy down). */
  addFiles?: (dir: string) => Promise<void>;
}

export async function createCameraImage(target: string, fs: ImageFs, opts: ImageOptions = {}): Promise<SimResult> {
  const file = path.resolve(target); // mcopy runs in the staging tree: a relative image path would point there
  if (!(IMAGE_FILESYSTEMS as readonly string[]).includes(fs)) {
    throw new SimUsageError(`unknown filesystem "${fs}" (accepted: ${IMAGE_FILESYSTEMS.join(', ')})`);
  }
  if (existsSync(file)) throw new SimUsageError(`refusing to overwrite existing image ${file}`);
  if (fs === 'exfat') assertFuseUsable();
  if (opts.personality === 'zfy' && !opts.zfyDir && existsSync(`${path.resolve(file)}.zfy`)) {
    throw new SimUsageError(`refusing to overwrite existing camera state ${path.resolve(file)}.zfy`);
  }

  const staging = opts.treeDir ?? await mkdtemp(path.join(os.tmpdir(), 'evidock-sim-tree-'));
  try {
    // The image's own label is the real one: no sidecar; a zfy camera's state sits beside the image.
    const result = await createCameraVolume(staging, opts, { labelSidecar: false, zfyDir: `${path.resolve(file)}.zfy` });
    await opts.addFiles?.(staging);
    const label = volumeLabel(result.personality, result.serial);
    await allocate(file, imageSize(fs, await treeBytes(staging)));
    if (fs === 'fat32') await fillFat32(file, staging, label, result.serial);
    else await fillExfat(file, staging, label);
    const { dir, ...rest } = result;
    return { ...(opts.treeDir ? { dir } : {}), ...rest, image: path.resolve(file), fs, label };
  } catch (err) {
    await rm(file, { force: true });
    if (opts.personality === 'zfy' && !opts.zfyDir) await rm(`${path.resolve(file)}.zfy`, { recursive: true, force: true });
    throw err;
  } finally {
    if (!opts.treeDir) await rm(staging, { recursive: true, force: true });
  }
}

/** Content plus room for directories, FATs and slack: a camera card is never exactly full. */
export function imageSize(fs: ImageFs, contentBytes: number): number {
  const wanted = Math.ceil(contentBytes * 1.15) + 16 * MiB;
  return Math.ceil(Math.max(MIN_SIZE[fs], wanted) / MiB) * MiB;
}

async function treeBytes(dir: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) total += (await stat(path.join(e.parentPath, e.name))).size + 64 * 1024; // cluster slack
  }
  return total;
}

async function allocate(file: string, bytes: number): Promise<void> {
  const fh = await open(file, 'wx');
  try {
    await fh.truncate(bytes); // sparse
  } finally {
    await fh.close();
  }
}

/** Volume id from the serial and fixed mkfs fields: the same camera gives the same boot sector. */
function volumeId(serial: string): string {
  return createHash('sha256').update(serial).digest('hex').slice(0, 8);
}

async function fillFat32(file: string, tree: string, label: string, serial: string): Promise<void> {
  await run('mkfs.vfat', ['-F', '32', '-n', label, '-i', volumeId(serial), '--invariant', file]);
  const entries = (await readdir(tree)).sort();
  // -s recursive, -m keep mtimes (camera end times), -D o overwrite instead of prompting
  await run('mcopy', ['-s', '-m', '-D', 'o', '-i', file, ...entries, '::/'], {
    cwd: tree, env: { MTOOLS_SKIP_CHECK: '1' },
  });
}

function assertFuseUsable(): void {
  const why = process.getuid?.() !== 0 ? 'needs root (to attach a loop device)'
    : !existsSync('/dev/fuse') ? 'needs /dev/fuse'
      : undefined;
  if (why) {
    throw new Error(`cannot fill an exFAT image here: writing one ${why} for a read-write exfat-fuse mount; use --fs fat32`);
  }
}

async function fillExfat(file: string, tree: string, label: string): Promise<void> {
  await run('mkfs.exfat', ['-L', label, file]);
  // exfat-fuse refuses a plain file when run as root ("Block device required"): go through a loop device.
  const loop = (await attachLoop(file, { readOnly: false })).device; // retries a lost race for a free device
  const mnt = await mkdtemp(path.join(os.tmpdir(), 'evidock-sim-mnt-'));
  let mounted = false;
  try {
    await run('mount.exfat-fuse', ['-o', 'rw', loop, mnt]);
    mounted = true;
    await cp(tree, mnt, { recursive: true, preserveTimestamps: true });
    await run('sync', ['-f', mnt]);
    await run('fusermount', ['-u', mnt]);
    mounted = false;
  } finally {
    if (mounted) await run('fusermount', ['-u', '-z', mnt]).catch(() => undefined);
    await run('losetup', ['-d', loop]).catch(() => undefined);
    await rmdir(mnt).catch(() => undefined);
  }
  await waitDetached(file);
}

/**
 * The FUSE daemon writes its last metadata as it exits, after the unmount returns; a detached
 * loop device lingers until the daemon closes it. Wait for that before the image is used.
 */
async function waitDetached(file: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while ((await run('losetup', ['-j', file])).trim() !== '') {
    if (Date.now() > deadline) throw new Error(`loop device for ${file} still busy after unmount`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
