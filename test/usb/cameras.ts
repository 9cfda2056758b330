// Camera images for the docking scenarios, made on the host with evidock's own simulator
// (real names, DEVICE.ID, ffmpeg media), plus what each should end up as in custody.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { createCameraImage, createCameraVolume, type SimOptions, type SimResult } from '../../src/sim/index.js';
import { makeExfatImage, makeFatImage, settle, waitForUsbDisk, type CameraFile, type Guest } from './harness/index.js';

export interface Camera {
  serial: string;
  image: string;
  /** Volume path → SHA-256 of every file evidock should take into custody. */
  expected: Map<string, string>;
  /** Media seconds of clips and audio, by path (what ffprobe should report). */
  seconds: Map<string, number>;
  sim?: SimResult;
}

export const sha256 = (d: Buffer | string) => crypto.createHash('sha256').update(d).digest('hex');

export function sha256File(file: string): string {
  const h = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(8 << 20);
    for (let n; (n = fs.readSync(fd, buf, 0, buf.length, null)) > 0;) h.update(buf.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return h.digest('hex');
}

function fromSim(sim: SimResult, image: string, extra: Map<string, string> = new Map()): Camera {
  const expected = new Map(sim.files.map((f) => [f.path, f.sha256]));
  for (const [p, h] of extra) expected.set(p, h);
  const seconds = new Map(sim.files.filter((f) => f.seconds !== undefined).map((f) => [f.path, f.seconds!]));
  return { serial: sim.serial, image, expected, seconds, sim };
}

/** A generic-profile camera (DEVICE.ID, DCIM/100MEDIA) packed into a FAT32 image by the simulator. */
export async function fat32Camera(dir: string, opts: SimOptions & { serial: string; bulk?: { count: number; mib: number } }): Promise<Camera> {
  const image = path.join(dir, `${opts.serial}.img`);
  const extra = new Map<string, string>();
  const sim = await createCameraImage(image, 'fat32', {
    ...opts,
    addFiles: opts.bulk && (async (tree) => {
      // Big photos named like the camera's own, so the profile takes them: they make the copy long.
      const badge = /badge=(\S+)/.exec(fs.readFileSync(path.join(tree, 'DEVICE.ID'), 'utf8'))?.[1] ?? '000000';
      for (let i = 0; i < opts.bulk!.count; i++) {
        const rel = `DCIM/100MEDIA/20261126_07${String(i).padStart(2, '0')}00_${opts.serial}_${badge}_${String(100 + i).padStart(4, '0')}.JPG`;
        const data = crypto.randomBytes(opts.bulk!.mib << 20);
        fs.writeFileSync(path.join(tree, rel), data);
        extra.set(rel, sha256(data));
      }
    }),
  });
  return fromSim(sim, image, extra);
}

/**
 * An empty exFAT camera (in an MBR partition, as many cameras ship), filled from INSIDE the guest
 * with a simulated volume's files (the host has no exFAT writer): plugged, mounted read-write by
 * hand, filled, unmounted, unplugged. Only while no evidock daemon runs.
 */
export async function exfatCamera(guest: Guest, dir: string, plug: { id: string; usbSerial: string; vendor: string; product: string },
  opts: SimOptions & { serial: string }): Promise<Camera> {
  const tree = path.join(dir, `${opts.serial}.tree`);
  const sim = await createCameraVolume(tree, opts, { labelSidecar: false });
  const image = path.join(dir, `${opts.serial}.img`);
  makeExfatImage(image, { sizeMiB: 64, label: `CAM_${opts.serial}`, partitioned: true });
  await guest.plugUsbBotScsi({ id: plug.id, image, serial: plug.usbSerial, vendor: plug.vendor, product: plug.product });
  try {
    const dev = await waitForUsbDisk(guest, plug.usbSerial);
    await settle(guest);
    const mnt = '/mnt/fill';
    await guest.sh(`mkdir -p ${mnt} && mount -t exfat -o rw /dev/${dev}1 ${mnt}`, { check: true });
    const rels = ['DEVICE.ID', ...sim.files.map((f) => f.path)];
    await guest.sh(`cd ${mnt} && mkdir -p ${[...new Set(rels.map((r) => path.posix.dirname(r)))].map((d) => `'${d}'`).join(' ')}`, { check: true });
    const times: [string, number][] = [];
    for (const rel of rels) {
      const src = path.join(tree, rel);
      await guest.writeFile(`${mnt}/${rel}`, fs.readFileSync(src));
      times.push([`${mnt}/${rel}`, fs.statSync(src).mtimeMs / 1000]);
    }
    // Keep the camera's mtimes (a camera closes a file when the recording ends).
    await guest.exec(['node', '-e', 'for (const [p, t] of JSON.parse(process.argv[1])) require("fs").utimesSync(p, t, t)', JSON.stringify(times)], { check: true });
    await guest.sh(`sync && umount ${mnt}`, { check: true });
  } finally {
    await guest.unplug(plug.id);
  }
  fs.rmSync(tree, { recursive: true, force: true });
  return fromSim(sim, image);
}

/**
 * A USB stick no profile claims: no DEVICE.ID, media outside DCIM under names no camera uses
 * (real ffmpeg media borrowed from a simulated volume), and a text file.
 */
export async function unknownStick(dir: string): Promise<Camera> {
  const tree = path.join(dir, 'stick.tree');
  const sim = await createCameraVolume(tree, { clips: 1, seconds: 2, photos: 1, audio: 1, serial: 'STK0001' }, { labelSidecar: false });
  const take = (kind: string) => fs.readFileSync(path.join(tree, sim.files.find((f) => f.kind === kind)!.path));
  const files: CameraFile[] = [
    { path: 'VIDEOS/REC_0001.MP4', data: take('video'), mtime: new Date('2026-11-25T10:00:00Z') },
    { path: 'PICTURES/HOLIDAY/IMG_0001.JPG', data: take('photo'), mtime: new Date('2026-11-25T11:00:00Z') },
    { path: 'VOICE001.M4A', data: take('audio'), mtime: new Date('2026-11-25T12:00:00Z') },
    { path: 'NOTES.TXT', data: 'shopping list\n', mtime: new Date('2026-11-25T13:00:00Z') },
  ];
  const image = path.join(dir, 'stick.img');
  makeFatImage(image, { sizeMiB: 64, label: 'USB_STICK', files });
  fs.rmSync(tree, { recursive: true, force: true });
  const media = files.filter((f) => !f.path.endsWith('.TXT'));
  return { serial: '', image, expected: new Map(media.map((f) => [f.path, sha256(f.data)])), seconds: new Map() };
}
