// Writes a simulated generic camera volume into a directory: DEVICE.ID plus real media from
// ffmpeg, named and dated by the camera's (possibly wrong) clock.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, readdir, stat, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeAudio, makeClip, makePhoto, restampMedia } from '../media/index.js';
import { resolveSimOptions, SimUsageError, type Personality, type SimOptions } from './options.js';
import {
  identityFileName, identityFileText, MEDIA_DIR, planCameraVolume, zfyStateText, type PlannedFile, type SimFileKind,
} from './plan.js';

/**
 * A file once read as a plain directory's "volume label". evidock no longer reads it (a file on a
 * camera volume never sets its identity); the simulator writes it only when asked, for tests that
 * prove it is ignored.
 */
export const LABEL_SIDECAR = '.evidock-label';

export interface SimFile {
  path: string;
  kind: SimFileKind;
  /** True time the recording started (ISO, UTC). */
  recordedStart: string;
  /** What the camera's clock said then (ISO, UTC): recordedStart + clockOffset. */
  cameraStart: string;
  seconds?: number;
  size: number;
  sha256: string;
}

export interface SimResult {
  dir?: string;
  image?: string;
  fs?: 'fat32' | 'exfat';
  label?: string;
  serial: string;
  badge: string;
  model: string;
  name: string;
  unit: string;
  personality: Personality;
  clockOffset: number;
  timezone: string;
  gaps: Array<{ afterClip: number; seconds: number }>;
  files: SimFile[];
  /** zfy: the camera's state dir (zfy-state.ini), what libzfy-sim.so is pointed at. */
  zfyDir?: string;
}

/** How the volume will be presented: a directory, or the tree of an image whose label is the real one. */
export interface VolumeTarget {
  /** Write the ignored `.evidock-label` file (directories only, default false; an image has a real label). */
  labelSidecar?: boolean;
  /** Where the zfy state dir goes (default: the volume's path + ".zfy"). */
  zfyDir?: string;
}

/** Label a camera's volume carries: the device id for a labelled camera, else CAM_<serial> (11 chars, the FAT limit). */
export function volumeLabel(personality: Personality, serial: string): string {
  return personality === 'labelled' ? serial : `CAM_${serial.toUpperCase()}`;
}

/** Creates `dir` (or uses it when empty) and fills it like a docked camera. */
export async function createCameraVolume(dir: string, opts: SimOptions = {}, target: VolumeTarget = {}): Promise<SimResult> {
  const o = resolveSimOptions(opts);
  for (const [key, v] of [['model', o.model], ['name', o.name], ['unit', o.unit]] as const) {
    if (/[\r\n]/.test(v)) throw new SimUsageError(`${key} must be one line`);
  }
  await mkdir(dir, { recursive: true });
  if ((await readdir(dir)).length > 0) throw new SimUsageError(`refusing to write into non-empty directory ${dir}`);
  const idFile = identityFileName(o.personality);
  if (idFile) await writeFile(path.join(dir, idFile), identityFileText(o), 'utf8');
  if (o.personality === 'labelled' && target.labelSidecar) await writeFile(path.join(dir, LABEL_SIDECAR), `${o.serial}\n`, 'utf8');
  let zfyDir: string | undefined;
  if (o.personality === 'zfy') {
    // The camera behind the vendor interface lives beside its volume, not on it: the volume
    // may be a read-only mounted image, and nothing on a camera's volume steers evidock. A dock
    // reaches it as ZFY_SIM_DIR, through a test profile's zfy.env or the daemon's environment.
    zfyDir = path.resolve(opts.zfyDir ?? target.zfyDir ?? `${path.resolve(dir)}.zfy`);
    await mkdir(zfyDir, { recursive: true });
    if ((await readdir(zfyDir)).length > 0) throw new SimUsageError(`refusing to write into non-empty directory ${zfyDir}`);
    await writeFile(path.join(zfyDir, 'zfy-state.ini'), zfyStateText(o), 'utf8');
  }
  await mkdir(path.join(dir, MEDIA_DIR), { recursive: true });

  const plan = planCameraVolume(o);
  await writeMedia(dir, plan, o.width, o.height);

  const files: SimFile[] = [];
  for (const f of plan) {
    const abs = path.join(dir, f.path);
    // A camera closes a file when the recording ends: mtime is the camera's end time.
    await utimes(abs, f.cameraEnd, f.cameraEnd);
    files.push({
      path: f.path, kind: f.kind, recordedStart: f.trueStart.toISOString(), cameraStart: f.cameraStart.toISOString(),
      ...(f.seconds === undefined ? {} : { seconds: f.seconds }),
      size: (await stat(abs)).size, sha256: await sha256File(abs),
    });
  }
  return {
    dir: path.resolve(dir), serial: o.serial, badge: o.badge, model: o.model, name: o.name, unit: o.unit,
    personality: o.personality, clockOffset: o.clockOffset, timezone: o.timezone, gaps: o.gaps, files,
    ...(o.personality === 'labelled' && target.labelSidecar ? { label: o.serial } : {}),
    ...(zfyDir ? { zfyDir } : {}),
  };
}

/**
 * Encodes one clip and one audio note, then makes the rest as remuxed copies with their own
 * creation_time: every file is real ffmpeg output with distinct bytes, at a fraction of the cost.
 */
async function writeMedia(dir: string, plan: PlannedFile[], width: number, height: number): Promise<void> {
  const abs = (f: PlannedFile) => path.join(dir, f.path);
  const firstOf = (kind: SimFileKind) => plan.find((f) => f.kind === kind);
  const firstClip = firstOf('video');
  const firstAudio = firstOf('audio');
  await Promise.all([
    firstClip && makeClip(abs(firstClip), { seconds: firstClip.seconds!, creationTime: firstClip.cameraStart, width, height }),
    firstAudio && makeAudio(abs(firstAudio), { seconds: firstAudio.seconds!, creationTime: firstAudio.cameraStart }),
  ]);
  const jobs = plan.filter((f) => f !== firstClip && f !== firstAudio).map((f) => () => {
    if (f.kind === 'photo') return makePhoto(abs(f), { when: f.cameraStart, utcOffsetMinutes: f.utcOffsetMinutes });
    return restampMedia(abs(f.kind === 'video' ? firstClip! : firstAudio!), abs(f), f.cameraStart);
  });
  await pool(jobs, Math.max(2, Math.min(8, os.availableParallelism())));
}

async function pool(jobs: Array<() => Promise<void>>, width: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) await jobs[next++]!();
  };
  await Promise.all(Array.from({ length: Math.min(width, jobs.length) }, worker));
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('error', reject).on('data', (b) => h.update(b)).on('end', () => resolve(h.digest('hex')));
  });
}
