// Dock-time checks (art. 10: battery, storage, date/time before use), measured when a camera is
// docked and stored on its dock session.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';
import type { SessionChecks } from '../custody/index.js';
import type { ZfyReading } from '../profiles/zfy.js';
import { probeMedia } from '../media/index.js';
import {
  clockReading, estimateOffset, newestNamedFile, readingFlags, type ClockEstimate, type ClockFlag, type ClockReading,
} from './clock.js';

export interface StorageUsage { totalBytes: number; usedBytes: number; freeBytes: number }

export interface DockChecks {
  clock: ClockReading;
  batteryPct: number | null;
  /** statfs of the mounted volume (for a plain directory: of the file system holding it). */
  storage: StorageUsage | null;
  resolution: { width: number; height: number } | null;
  flags: ClockFlag[];
}

export async function storageOf(root: string): Promise<StorageUsage | null> {
  try {
    const s = await fs.statfs(root);
    return { totalBytes: s.blocks * s.bsize, usedBytes: (s.blocks - s.bfree) * s.bsize, freeBytes: s.bavail * s.bsize };
  } catch {
    return null;
  }
}

export interface CheckInput {
  root: string;
  profile: Profile;
  timezone: string;
  maxDriftSeconds: number;
  /** The vendor interface's reading, when the profile has one and it answered for this camera. */
  zfy?: ZfyReading | undefined;
  /** Evidence files on the volume (relative paths), for what their names say about the clock. */
  files: readonly string[];
  now?: Date;
}

/** The newest recording's length, from the media itself (null: a photo, or ffprobe could not tell). */
async function durationOf(root: string, rel: string): Promise<number | null> {
  try {
    return (await probeMedia(path.join(root, rel))).durationS ?? null;
  } catch {
    return null;
  }
}

export async function runDockChecks(input: CheckInput): Promise<DockChecks> {
  const now = input.now ?? new Date();
  const zfyClock = input.profile.clock.method === 'zfy';
  const camera = zfyClock ? input.zfy?.clock : undefined;
  const newest = newestNamedFile(input.profile, input.files, input.timezone);
  // The vendor library could not tell the camera's time (no clock getter): estimate it from the files.
  let estimate: ClockEstimate | null = null;
  if (zfyClock && !camera && newest) estimate = estimateOffset(newest, await durationOf(input.root, newest.rel), now);
  const clock = clockReading(input.profile.clock.method, camera, newest?.start, now, estimate);
  return {
    clock,
    batteryPct: input.zfy?.batteryPct ?? null,
    storage: await storageOf(input.root),
    resolution: input.zfy?.resolution ?? null,
    flags: readingFlags(clock, input.maxDriftSeconds),
  };
}

/** clock_source of an estimated offset: never to be read as a measurement. */
export const ESTIMATE_SOURCE = 'estimate:newest-file';

/** What of the checks goes into the dock session's columns. An estimate is stored labelled as one. */
export function sessionChecksOf(c: DockChecks, alerts: unknown): SessionChecks {
  const est = c.clock.source === 'estimate' ? c.clock.estimate : null;
  return {
    clockOffsetS: c.clock.offsetS ?? est?.offsetS ?? null,
    clockSource: c.clock.source === 'camera' ? c.clock.method : est ? ESTIMATE_SOURCE : 'unmeasured',
    cameraTime: c.clock.cameraTime, batteryPct: c.batteryPct,
    storageUsed: c.storage?.usedBytes ?? null, storageFree: c.storage?.freeBytes ?? null, alerts,
  };
}

export interface DockChecksJson {
  clock: {
    method: ClockReading['method']; source: ClockReading['source']; offsetS: number | null;
    cameraTime: string | null; newestFileTime: string | null; aheadAtLeastS: number | null;
    estimate: { offsetS: number; basis: string; file: string; fileStart: string; durationS: number | null } | null;
  };
  batteryPct: number | null;
  storage: StorageUsage | null;
  resolution: { width: number; height: number } | null;
  flags: ClockFlag[];
}

/** JSON form for `ingest --json` and the daemon's log. */
export function checksJson(c: DockChecks): DockChecksJson {
  return {
    clock: {
      method: c.clock.method, source: c.clock.source, offsetS: c.clock.offsetS,
      cameraTime: c.clock.cameraTime?.toISOString() ?? null, newestFileTime: c.clock.newestFileTime?.toISOString() ?? null,
      aheadAtLeastS: c.clock.aheadAtLeastS,
      estimate: c.clock.estimate ? { ...c.clock.estimate, fileStart: c.clock.estimate.fileStart.toISOString() } : null,
    },
    batteryPct: c.batteryPct, storage: c.storage, resolution: c.resolution, flags: c.flags,
  };
}
