// Dock-time checks (art. 10: battery, storage, date/time before use), measured when a camera is
// docked and stored on its dock session.
import fs from 'node:fs/promises';
import type { Profile } from '../config/schema.js';
import type { SessionChecks } from '../custody/index.js';
import type { ZfyReading } from '../profiles/zfy.js';
import { clockReading, newestNameTime, readingFlags, type ClockFlag, type ClockReading } from './clock.js';

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

export async function runDockChecks(input: CheckInput): Promise<DockChecks> {
  const now = input.now ?? new Date();
  const camera = input.profile.clock.method === 'zfy' ? input.zfy?.clock : undefined;
  const clock = clockReading(input.profile.clock.method, camera, newestNameTime(input.profile, input.files, input.timezone), now);
  return {
    clock,
    batteryPct: input.zfy?.batteryPct ?? null,
    storage: await storageOf(input.root),
    resolution: input.zfy?.resolution ?? null,
    flags: readingFlags(clock, input.maxDriftSeconds),
  };
}

/** What of the checks goes into the dock session's columns. */
export function sessionChecksOf(c: DockChecks, alerts: unknown): SessionChecks {
  return {
    clockOffsetS: c.clock.offsetS, clockSource: c.clock.source === 'camera' ? c.clock.method : 'unmeasured',
    cameraTime: c.clock.cameraTime, batteryPct: c.batteryPct,
    storageUsed: c.storage?.usedBytes ?? null, storageFree: c.storage?.freeBytes ?? null, alerts,
  };
}

export interface DockChecksJson {
  clock: {
    method: ClockReading['method']; source: ClockReading['source']; offsetS: number | null;
    cameraTime: string | null; newestFileTime: string | null; aheadAtLeastS: number | null;
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
    },
    batteryPct: c.batteryPct, storage: c.storage, resolution: c.resolution, flags: c.flags,
  };
}
