// The camera's clock at dock time (art. 10): the rules that judge it, what the files say about
// it when it cannot be read, and setting it after the ingest — SyncDevTime through the vendor
// interface, or a clock file the camera reads at its next boot. Setting the clock and an enabled
// wipe are the only writes evidock makes to a camera.
import { constants as C } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';
import type { DockedVolume } from '../dock/volume.js';
import { formatWallClock, parseFileName } from '../profiles/filename.js';
import { syncZfyClock } from '../profiles/zfy.js';

export type FlagSeverity = 'info' | 'warning' | 'critical';
export interface ClockFlag { kind: 'clock-drift' | 'clock-lost'; severity: FlagSeverity; message: string }

/**
 * Camera firmware without a working clock battery restarts its clock at a fixed epoch; these two
 * are the ones body cameras commonly use. A camera whose clock reads within CLOCK_LOST_WINDOW_S of
 * one lost its time (and counted on from there): two days covers a shift or two recorded after
 * the reset plus any time zone, and no real clock today is anywhere near those dates.
 */
export const CLOCK_LOST_EPOCHS: readonly Date[] = [new Date('2000-01-01T00:00:00Z'), new Date('2010-01-01T00:00:00Z')];
export const CLOCK_LOST_WINDOW_S = 2 * 86_400;

/** Pure: the firmware epoch a camera time sits next to, if any. */
export function lostClockEpoch(cameraTime: Date): Date | undefined {
  return CLOCK_LOST_EPOCHS.find((e) => Math.abs(cameraTime.getTime() - e.getTime()) <= CLOCK_LOST_WINDOW_S * 1000);
}

function human(s: number): string {
  const a = Math.abs(s);
  if (a < 120) return `${Math.round(a)} s`;
  if (a < 7200) return `${Math.round(a / 60)} min`;
  if (a < 172_800) return `${(a / 3600).toFixed(1)} h`;
  return `${(a / 86_400).toFixed(1)} days`;
}

/**
 * Pure rules on a camera clock reading. offsetS = camera − workstation (null: not measured);
 * with lowerBound the offset is only known to be at least that (a file stamped in the future).
 */
export function clockFlags(offsetS: number | null, cameraTime: Date | null, maxDriftSeconds: number,
  opts: { lowerBound?: boolean } = {}): ClockFlag[] {
  const flags: ClockFlag[] = [];
  const epoch = cameraTime ? lostClockEpoch(cameraTime) : undefined;
  if (epoch && cameraTime) {
    flags.push({ kind: 'clock-lost', severity: 'critical',
      message: `camera clock lost: it reads ${cameraTime.toISOString()}, next to the firmware reset date ${epoch.toISOString().slice(0, 10)}; `
        + 'recorded times of this camera are not reliable' });
  }
  if (offsetS !== null && Number.isFinite(offsetS) && Math.abs(offsetS) > maxDriftSeconds) {
    const dir = offsetS > 0 ? 'ahead of' : 'behind';
    const what = opts.lowerBound ? `at least ${human(offsetS)}` : human(offsetS);
    flags.push({ kind: 'clock-drift', severity: 'warning',
      message: `camera clock ${what} ${dir} the workstation (${Math.round(offsetS)} s; limit ${maxDriftSeconds} s)` });
  }
  return flags;
}

/** Pure: the file whose name carries the latest start time (camera clock), if the profile's names have one. */
export function newestNamedFile(profile: Profile, relPaths: readonly string[], timezone: string): { rel: string; start: Date } | undefined {
  let newest: { rel: string; start: Date } | undefined;
  for (const rel of relPaths) {
    const t = parseFileName(profile, path.posix.basename(rel), timezone).start;
    if (t && (!newest || t > newest.start)) newest = { rel, start: t };
  }
  return newest;
}

/** Pure: the latest start time the file names carry (camera clock), if the profile's names have one. */
export function newestNameTime(profile: Profile, relPaths: readonly string[], timezone: string): Date | undefined {
  return newestNamedFile(profile, relPaths, timezone)?.start;
}

/**
 * An offset estimated from the evidence on the volume when the camera's clock cannot be read:
 * the newest recording ended at start + duration on the camera's clock, and the camera was
 * docked after that. Assuming it was docked as that recording ended (a body camera stops
 * recording when docked) gives offsetS; the true offset is at least that much, and more by
 * however long the camera sat undocked. Never a measurement: no drift alert is raised on it.
 */
export interface ClockEstimate {
  offsetS: number;
  basis: 'newest-file';
  file: string;
  /** The newest recording's start on the camera's clock, and its length (null: a photo or unknown). */
  fileStart: Date;
  durationS: number | null;
}

/** Pure: the estimate from the newest file and its duration, against the dock time. */
export function estimateOffset(newest: { rel: string; start: Date } | undefined, durationS: number | null, dockTime: Date): ClockEstimate | null {
  if (!newest) return null;
  const end = newest.start.getTime() + (durationS ?? 0) * 1000;
  return { offsetS: Math.round((end - dockTime.getTime()) / 1000), basis: 'newest-file', file: newest.rel, fileStart: newest.start, durationS };
}

export interface ClockReading {
  method: Profile['clock']['method'];
  /**
   * 'camera': read from the camera now; 'estimate': not readable, `estimate` says what the files
   * suggest (offsetS stays null: nothing was measured); 'unmeasured': no way to read it.
   */
  source: 'camera' | 'estimate' | 'unmeasured';
  /** Measured camera − workstation offset; null unless source is 'camera'. */
  offsetS: number | null;
  cameraTime: Date | null;
  /** Newest start time in the file names (camera clock). */
  newestFileTime: Date | null;
  /**
   * When the clock cannot be read: a file named later than now proves the clock is ahead by at
   * least this much. (A file named earlier proves nothing: the camera may have sat undocked.)
   */
  aheadAtLeastS: number | null;
  /** Offset estimated from the newest recording, when the clock could not be read. */
  estimate: ClockEstimate | null;
}

/** Pure: combines a camera reading (if any) with the evidence of the file names. */
export function clockReading(method: Profile['clock']['method'], camera: { cameraTime: Date; offsetS: number } | undefined,
  newestFileTime: Date | undefined, now: Date, estimate: ClockEstimate | null = null): ClockReading {
  const newest = newestFileTime ?? null;
  if (camera) {
    return { method, source: 'camera', offsetS: camera.offsetS, cameraTime: camera.cameraTime, newestFileTime: newest, aheadAtLeastS: null, estimate: null };
  }
  const ahead = newest ? Math.floor((newest.getTime() - now.getTime()) / 1000) : 0;
  return { method, source: estimate ? 'estimate' : 'unmeasured', offsetS: null, cameraTime: null, newestFileTime: newest,
    aheadAtLeastS: ahead > 0 ? ahead : null, estimate };
}

/**
 * Pure: the flags of a reading; without a camera clock the file names stand in for it, but only
 * for what they prove (a name later than now): an estimate never raises a drift alert.
 */
export function readingFlags(r: ClockReading, maxDriftSeconds: number): ClockFlag[] {
  if (r.source === 'camera') return clockFlags(r.offsetS, r.cameraTime, maxDriftSeconds);
  return clockFlags(r.aheadAtLeastS, r.newestFileTime, maxDriftSeconds, { lowerBound: true })
    .map((f) => (f.kind === 'clock-lost' ? { ...f, message: f.message.replace('it reads', 'its newest file is named') } : f));
}

/**
 * Pure: which recordings the measured offset may correct. Normally all of them (the offset is
 * assumed steady since they were recorded). After a clock loss only those the reset clock named
 * (from the epoch up to now on that clock): files from before the reset were named by a clock
 * evidock never saw, so they keep no correction rather than a wrong one.
 */
export function correctionWindow(r: ClockReading): { from: Date; to: Date } | undefined {
  const epoch = r.source === 'camera' && r.cameraTime ? lostClockEpoch(r.cameraTime) : undefined;
  if (!epoch || !r.cameraTime) return undefined;
  return { from: new Date(epoch.getTime() - CLOCK_LOST_WINDOW_S * 1000), to: new Date(r.cameraTime.getTime() + 60_000) };
}

export const DEFAULT_TIMESET_FILE = 'TIMESET.txt';
export const DEFAULT_TIMESET_FORMAT = 'YYYY-MM-DD HH:mm:ss';

export interface ClockSyncResult {
  method: 'zfy' | 'timesetFile';
  ok: boolean;
  error?: string;
  /** ZFY: result flag of SyncDevTime; offset read back afterwards where the library can. */
  flag?: number;
  offsetAfterS?: number;
  /** timesetFile: the file written and its content. */
  file?: string;
  written?: string;
}

/** Writes a clock file without following a link planted at its name. */
async function writeClockFile(root: string, rel: string, text: string): Promise<void> {
  const fh = await fs.open(path.join(root, rel), C.O_WRONLY | C.O_CREAT | C.O_TRUNC | C.O_NOFOLLOW, 0o644);
  try {
    await fh.writeFile(text, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  const dir = await fs.open(root, 'r').catch(() => undefined);
  await dir?.sync().catch(() => undefined); // FUSE drivers may not support fsync on a directory
  await dir?.close();
}

/**
 * Sets the camera's clock after the ingest. Returns undefined when the profile has no way to.
 * The TIMESET file carries the workstation's time in the camera's zone when it is written; the
 * camera applies it at its next boot.
 */
export async function syncCameraClock(volume: DockedVolume, profile: Profile, timezone: string,
  now: () => Date = () => new Date()): Promise<ClockSyncResult | undefined> {
  if (profile.clock.method === 'zfy') return { method: 'zfy', ...(await syncZfyClock(profile, timezone)) };
  if (profile.clock.method !== 'timesetFile') return undefined;
  const file = profile.clock.file ?? DEFAULT_TIMESET_FILE;
  const format = profile.clock.format ?? DEFAULT_TIMESET_FORMAT;
  if (path.isAbsolute(file) || file.split(/[\\/]/).includes('..')) {
    return { method: 'timesetFile', ok: false, file, error: 'clock.file must be a path inside the volume' };
  }
  if (!volume.withWritable) return { method: 'timesetFile', ok: false, file, error: 'the volume cannot be made writable' };
  try {
    return await volume.withWritable(async (root) => {
      const written = formatWallClock(now(), format, timezone);
      await writeClockFile(root, file, written);
      return { method: 'timesetFile' as const, ok: true, file, written };
    });
  } catch (err) {
    return { method: 'timesetFile', ok: false, file, error: (err as Error).message };
  }
}
