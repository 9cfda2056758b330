// Camera volumes for tests: the generic layout with random-content files (fast, no ffmpeg),
// and small helpers to read what evidock stored.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `evidock-${prefix}-`));
}

export function genericName(serial: string, badge: string, at: Date, seq: number, ext: string): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  const stamp = `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}_${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
  return `${stamp}_${serial}_${badge}_${p(seq, 4)}.${ext}`;
}

/** Writes DEVICE.ID and `sizes.length` random files under DCIM/100MEDIA (JPG: no probing needed). */
export function makeRandomVolume(dir: string, opts: { serial?: string; badge?: string; sizes: number[]; ext?: string; start?: Date }): string[] {
  const serial = opts.serial ?? 'TST0001';
  const badge = opts.badge ?? '000123';
  const media = path.join(dir, 'DCIM/100MEDIA');
  fs.mkdirSync(media, { recursive: true });
  fs.writeFileSync(path.join(dir, 'DEVICE.ID'), `serial=${serial}\nbadge=${badge}\nmodel=test\n`);
  const start = opts.start ?? new Date('2026-11-26T08:00:00');
  return opts.sizes.map((size, i) => {
    const rel = `DCIM/100MEDIA/${genericName(serial, badge, new Date(start.getTime() + i * 60_000), i + 1, opts.ext ?? 'JPG')}`;
    fs.writeFileSync(path.join(dir, rel), crypto.randomBytes(size));
    return rel;
  });
}

export function sha256File(file: string): string {
  return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

export function objectPath(dataDir: string, sha: string): string {
  return path.join(dataDir, 'store', 'sha256', sha.slice(0, 2), sha.slice(2, 4), sha);
}

export function writeConfig(dir: string, extra = ''): { file: string; dataDir: string } {
  const dataDir = path.join(dir, 'data');
  const file = path.join(dir, 'evidock.yaml');
  fs.writeFileSync(file, `dataDir: ${JSON.stringify(dataDir)}\n${extra}`);
  return { file, dataDir };
}

export function listTemps(dataDir: string): string[] {
  const t = path.join(dataDir, 'store', 'tmp');
  return fs.existsSync(t) ? fs.readdirSync(t) : [];
}
