// A docked ZFY camera through the vendor interface: which library, with which options, and the
// two probe runs of a dock (read at the start, set the clock at the end).
import path from 'node:path';
import type { Profile } from '../config/schema.js';
import { runZfyProbe, type ZfyCommand, type ZfyProbeOptions, type ZfyResult } from '../probes/zfy.js';
import { parseWallClock } from './filename.js';
import { INSTALL_ROOT } from './builtin.js';

/** The library a profile's probe loads: $EVIDOCK_ZFY_LIBRARY, else the profile's (relative paths from the install dir). */
export function zfyLibrary(profile: Profile, env: NodeJS.ProcessEnv = process.env): string {
  const lib = env.EVIDOCK_ZFY_LIBRARY || profile.zfy?.library;
  if (!lib) throw new Error(`profile ${profile.name} has no zfy.library`);
  // A bare name ("libzfy.so") is left to the dynamic loader, as a vendor SDK is usually installed.
  return lib.includes('/') ? path.resolve(INSTALL_ROOT, lib) : lib;
}

/**
 * The probe's options for a profile. The vendor library finds its camera itself (Init_Device
 * takes no address: a real library talks to the camera on its USB link); nothing on the camera's
 * volume is read to steer it. The simulated library (libzfy-sim.so) is pointed at its camera
 * through the profile's `zfy.env` (ZFY_SIM_DIR) or the daemon's own environment.
 */
export function zfyProbeBase(profile: Profile, timezone: string): Omit<ZfyProbeOptions, 'commands'> {
  return {
    lib: zfyLibrary(profile),
    password: profile.zfy?.password ?? '000000',
    infoLayout: profile.zfy?.infoLayout ?? 94,
    timezone,
    ...(profile.zfy?.timeoutMs ? { timeoutMs: profile.zfy.timeoutMs } : {}),
    env: { ...(profile.zfy?.env ?? {}) },
  };
}

export interface ZfyInfo { serial: string; badge: string; userName: string; unitNo: string; unitName: string }
export interface ZfyFailure { cmd: string; flag?: number | undefined; error: string }

export interface ZfyReading {
  info?: ZfyInfo;
  batteryPct?: number;
  /** Camera clock read with GetDevTime or BC_GetDevTime (optional: the public ZFY headers have neither). */
  clock?: { cameraTime: Date; offsetS: number };
  /** GetZFYInfo's answer did not fit the profile's zfy.infoLayout: the message names the key. */
  layoutError?: string;
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

/** Pure: the message for an answer that does not fit the layout, naming the profile key to change. */
export function layoutErrorMessage(profile: Profile, probeError: string): string {
  const layout = profile.zfy?.infoLayout ?? 94;
  return `${probeError}; profile ${profile.name}: zfy.infoLayout is ${layout}, `
    + `set it to ${layout === 94 ? 89 : 94} if the vendor's header declares the ${layout === 94 ? '7/6/32/12/32' : '8/7/33/13/33'} ZFY_INFO`;
}

/** One probe run at the start of a dock. Never throws: a probe that cannot run is a failure entry. */
export async function readZfyCamera(profile: Profile, timezone: string,
  commands: readonly ZfyCommand[] = ['info', 'battery', 'resolution', 'time']): Promise<ZfyReading> {
  try {
    const results = await runZfyProbe({ ...zfyProbeBase(profile, timezone), commands });
    const reading = readingFromResults(results, timezone);
    const layout = reading.failures.find((f) => f.cmd === 'info' && f.error.startsWith('zfy-layout:'));
    if (layout) {
      reading.layoutError = layoutErrorMessage(profile, layout.error);
      reading.failures = reading.failures.filter((f) => f !== layout);
    }
    return reading;
  } catch (err) {
    return { failures: [{ cmd: 'probe', error: (err as Error).message }] };
  }
}

export interface ZfySyncResult { ok: boolean; flag?: number; error?: string; offsetAfterS?: number }

/** SyncDevTime, then read the clock back where the library can. */
export async function syncZfyClock(profile: Profile, timezone: string): Promise<ZfySyncResult> {
  try {
    const results = await runZfyProbe({ ...zfyProbeBase(profile, timezone), commands: ['sync-time', 'time'] });
    const sync = results[0];
    const after = results[1];
    if (!sync) return { ok: false, error: 'no answer' };
    if (!sync.ok) return { ok: false, ...(sync.flag === undefined ? {} : { flag: sync.flag }), error: sync.error };
    return { ok: true, ...(sync.flag === undefined ? {} : { flag: sync.flag }), ...(after?.ok && after.cmd === 'time' ? { offsetAfterS: after.offsetSeconds } : {}) };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
