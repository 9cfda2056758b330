// Camera disk images made on the host with the real tools: mkfs.vfat + mtools (FAT is filled on
// the host), mkfs.exfat (exFAT can only be filled from inside the guest). Optionally inside an MBR
// partition, as many cameras ship them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface CameraFile {
  /** Path inside the volume, '/'-separated, e.g. 'DCIM/100MEDIA/x.MP4'. */
  path: string;
  data: Buffer | string;
  mtime?: Date;
}

export interface ImageOptions {
  sizeMiB?: number;
  label?: string;
  /** Put the filesystem in partition 1 of an MBR table (starting at 1 MiB) instead of the whole disk. */
  partitioned?: boolean;
}

const MiB = 1024 * 1024;
const PART_START = MiB;

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env: { ...process.env, ...env } });
  if (r.error || r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? r.stderr.trim()}`);
}

/** A FAT32 (or FAT16/12) volume holding `files`, e.g. a body camera's storage. */
export function makeFatImage(
  file: string,
  opts: ImageOptions & { fatBits?: 12 | 16 | 32; files?: CameraFile[]; /** 8 hex digits; default time-based */ volumeId?: string } = {},
): void {
  withFilesystem(file, opts, (fsImg) => {
    const id = opts.volumeId ? ['-i', opts.volumeId] : [];
    run('mkfs.vfat', ['-F', String(opts.fatBits ?? 32), '-n', opts.label ?? 'CAMERA', ...id, fsImg]);
    fillFat(fsImg, opts.files ?? []);
  }, 0x0c);
}

/** An empty exFAT volume. */
export function makeExfatImage(file: string, opts: ImageOptions = {}): void {
  withFilesystem(file, opts, (fsImg) => run('mkfs.exfat', ['-L', opts.label ?? 'CAMERA', fsImg]), 0x07);
}

/** Copies files into a FAT image with mtools (directories created as needed, mtimes kept). */
export function fillFat(fsImg: string, files: CameraFile[]): void {
  if (files.length === 0) return;
  const env = { MTOOLS_SKIP_CHECK: '1' };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-fat-'));
  try {
    const dirs = new Set<string>();
    for (const f of files) {
      const parts = f.path.split('/').slice(0, -1);
      for (let i = 1; i <= parts.length; i++) dirs.add(parts.slice(0, i).join('/'));
    }
    for (const d of [...dirs].sort()) run('mmd', ['-i', fsImg, `::/${d}`], env);
    files.forEach((f, i) => {
      const src = path.join(tmp, String(i));
      fs.writeFileSync(src, f.data);
      if (f.mtime) fs.utimesSync(src, f.mtime, f.mtime);
      run('mcopy', ['-i', fsImg, '-m', src, `::/${f.path}`], env);
    });
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function withFilesystem(file: string, opts: ImageOptions, mkfs: (fsImg: string) => void, partType: number): void {
  const size = (opts.sizeMiB ?? 64) * MiB;
  fs.rmSync(file, { force: true });
  if (!opts.partitioned) {
    fs.writeFileSync(file, '');
    fs.truncateSync(file, size);
    mkfs(file);
    return;
  }
  const fsImg = `${file}.part1`;
  try {
    fs.writeFileSync(fsImg, '');
    fs.truncateSync(fsImg, size - PART_START);
    mkfs(fsImg);
    fs.writeFileSync(file, mbr(partType, PART_START / 512, (size - PART_START) / 512));
    fs.truncateSync(file, size);
    copyInto(fsImg, file, PART_START);
  } finally {
    fs.rmSync(fsImg, { force: true });
  }
}

/** A DOS partition table with one partition; fixed disk signature so recordings stay stable. */
export function mbr(type: number, startLba: number, sectors: number): Buffer {
  const b = Buffer.alloc(512);
  b.writeUInt32LE(0x45564443, 440); // disk signature "CDVE"
  const e = 446;
  b[e] = 0x00;
  b.set([0xfe, 0xff, 0xff], e + 1); // CHS unused: LBA only
  b[e + 4] = type;
  b.set([0xfe, 0xff, 0xff], e + 5);
  b.writeUInt32LE(startLba, e + 8);
  b.writeUInt32LE(sectors, e + 12);
  b[510] = 0x55;
  b[511] = 0xaa;
  return b;
}

function copyInto(src: string, dst: string, offset: number): void {
  const from = fs.openSync(src, 'r');
  const to = fs.openSync(dst, 'r+');
  try {
    const buf = Buffer.alloc(4 * MiB);
    for (let pos = 0; ;) {
      const n = fs.readSync(from, buf, 0, buf.length, pos);
      if (n === 0) break;
      // Skip all-zero chunks: the destination is sparse already.
      if (buf.subarray(0, n).some((x) => x !== 0)) fs.writeSync(to, buf, 0, n, offset + pos);
      pos += n;
    }
  } finally {
    fs.closeSync(from);
    fs.closeSync(to);
  }
}
