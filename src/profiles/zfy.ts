// A docked ZFY camera through the vendor interface: which library, how the simulated library
// finds its camera, and the two probe runs of a dock (read at the start, set the clock at the end).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';
import { runZfyProbe, type ZfyCommand, type ZfyProbeOptions, type ZfyResult } from '../probes/zfy.js';
import { parseWallClock } from './filename.js';
import { INSTALL_ROOT } from './builtin.js';

/**
 * The vendor interface cannot name a camera (Init_Device takes no address): a real library talks
 * to the one camera on its USB link. The simulated library (libzfy-sim.so) finds its camera
 * through the environment variable ZFY_SIM_DIR. `evidock sim camera --personality zfy` writes
 * this file into the camera's mass-storage volume, holding the absolute path of the camera's
 * state directory, and evidock passes it on as ZFY_SIM_DIR for that dock. A real vendor library
 * ignores the variable; a real camera has no such file.
 */
export const ZFY_SIM_POINTER = 'ZFYSIM.TXT';

/** The library a profile's probe loads: $EVIDOCK_ZFY_LIBRARY, else the profile's (relative paths from the install dir). */
export function zfyLibrary(profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const lib = env.EVIDOCK_ZFY_LIBRARY || profile.zfy?.library;
  if (!lib) throw new Error(`profile ${profile.name} has no zfy.library`);
  // A bare name ("libzfy.so") is left to the dynamic loader, as a vendor SDK is usually installed.
  return lib.includes('/') ? path.resolve(INSTALL_ROOT, lib) : lib;
}

/** The simulated camera's state directory named by the volume's pointer file, when it is a sane one. */
export async function zfySimDir(root: string): Promise<string | undefined> {
  const text = await fs.readFile(path.join(root, ZFY_SIM_POINTER), 'utf8').catch(() => undefined);
  const dir = text?.split(/\r?\n/)[0]?.trim();
  if (!dir || !path.isAbsolute(dir)) return undefined;
  const st = await fs.stat(path.join(dir, 'zfy-state.ini')).catch(() => undefined);
  return st?.isFile() ? dir : undefined;
}

export async function zfyProbeBase(profile: Profile, root: string, timezone: string): Promise<Omit<ZfyProbeOptions, 'commands'>> {
  const simDir = await zfySimDir(root);
  return {
    lib: zfyLibrary(profile),
    password: profile.zfy?.password ?? '000000',
    timezone,
    ...(profile.zfy?.timeoutMs ? { timeoutMs: profile.zfy.timeoutMs } : {}),
    env: { ...(profile.zfy?.env ?? {}), ...(simDir ? { ZFY_SIM_DIR: simDir } : {}) },
  };
}

export interface ZfyInfo { serial: string; badge: string; userName: string; unitNo: string; unitName: string }
export interface ZfyFailure { cmd: string; flag?: number | undefined; error: string }

export interface ZfyReading {
  info?: ZfyInfo;
  batteryPct?: number;
  /** Camera clock read with GetDevTime (an optional extension many libraries lack). */
  clock?: { cameraTime: Date; offsetS: number };
  resolution?: { width: number; height: number };
  failures: ZfyFailure[];
}

/** Pure: what one probe run's answers say about the camera. */
export function readingFromResults(results: readonly ZfyResult[], timezone: string): ZfyReading {
  const out: ZfyReading = { failures: [] };
  for (const r of results) {
    if (!r.ok) { out.failures.push({ cmd: r.cmd, ...(r.flag === undefined ? {} : { flag: r.flag }), error: r.error }); continue; }
    if (r.cmd === 'info') out.info = { serial: r.serial, badge: r.badge, userName: r.userName, unitNo: r.unitNo, unitName: r.unitName };
    else if (r.cmd === 'battery') out.batteryPct = r.percent;
    else if (r.cmd === 'resolution') out.resolution = { width: r.width, height: r.height };
    else if (r.cmd === 'time') {
      const cameraTime = parseWallClock(r.cameraTime, 'YYYY-MM-DD HH:mm:ss', timezone);
      if (cameraTime) out.clock = { cameraTime, offsetS: r.offsetSeconds };
      else out.failures.push({ cmd: 'time', error: `camera time "${r.cameraTime}" is not a valid date` });
    }
  }
  return out;
}

/** One probe run at the start of a dock. Never throws: a probe that cannot run is a failure entry. */
export async function readZfyCamera(profile: Profile, root: string, timezone: string,
  commands: readonly ZfyCommand[] = ['info', 'battery', 'resolution', 'time']): Promise<ZfyReading> {
  try {
    const results = await runZfyProbe({ ...(await zfyProbeBase(profile, root, timezone)), commands });
    return readingFromResults(results, timezone);
  } catch (err) {
    return { failures: [{ cmd: 'probe', error: (err as Error).message }] };
  }
}

export interface ZfySyncResult { ok: boolean; flag?: number; error?: string; offsetAfterS?: number }

/** SyncDevTime, then read the clock back where the library can. */
export async function syncZfyClock(profile: Profile, root: string, timezone: string): Promise<ZfySyncResult> {
  try {
    const results = await runZfyProbe({ ...(await zfyProbeBase(profile, root, timezone)), commands: ['sync-time', 'time'] });
    const sync = results[0];
    const after = results[1];
    if (!sync) return { ok: false, error: 'no answer' };
    if (!sync.ok) return { ok: false, ...(sync.flag === undefined ? {} : { flag: sync.flag }), error: sync.error };
    return { ok: true, flag: sync.flag, ...(after?.ok && after.cmd === 'time' ? { offsetAfterS: after.offsetSeconds } : {}) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
