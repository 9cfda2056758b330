// Options of the camera simulator: defaults and validation shared by the library and the CLI.
import { randomInt } from 'node:crypto';
import { isTimezone, type Timezone } from './clock.js';

/**
 * Camera personalities, one per built-in profile (config/profiles/): generic (DEVICE.ID), zfy
 * (vendor interface: a state dir for libzfy-sim.so plus its mass-storage volume), timeset
 * (DEVINFO.TXT, clock set through TIMESET.txt) and labelled (volume label = device id).
 */
export const PERSONALITIES = ['generic', 'zfy', 'timeset', 'labelled'] as const;
export type Personality = (typeof PERSONALITIES)[number];

export interface GapSpec {
  /** 1-based clip number after which recording stopped. */
  afterClip: number;
  seconds: number;
}

export interface SimOptions {
  clips?: number;
  /** Length of each clip and each audio recording. */
  seconds?: number;
  photos?: number;
  audio?: number;
  /** True time the first recording starts; default now minus 2 h. */
  start?: Date | string;
  gaps?: GapSpec[];
  /** Camera clock minus true time, in seconds (a fast camera is positive). */
  clockOffset?: number;
  serial?: string;
  badge?: string;
  model?: string;
  /** Officer name written to DEVICE.ID (UTF-8). */
  name?: string;
  unit?: string;
  personality?: string;
  /** Zone the camera's clock shows; "local" (default) or "+HH:MM". */
  timezone?: string;
  width?: number;
  height?: number;
  /** zfy: battery percentage the vendor interface reports (default 80). */
  battery?: number;
  /** zfy: device password (default 000000). */
  password?: string;
  /** zfy: the camera's state directory (default: the volume's path + ".zfy"). */
  zfyDir?: string;
}

export interface ResolvedSimOptions {
  clips: number; seconds: number; photos: number; audio: number; start: Date; gaps: GapSpec[];
  clockOffset: number; serial: string; badge: string; model: string; name: string; unit: string;
  personality: Personality; timezone: Timezone; width: number; height: number;
  battery: number; password: string;
}

/** Officers' names for the simulated cameras that carry one (GBK-encodable, as a ZFY_INFO field must be). */
export const SIM_NAMES = ['张三', '李四', '王五', '赵六', '陈静', '刘洋', '杨帆', '周敏', '吴刚', '孙丽'] as const;

/** Bad simulator options: a usage error (exit 2). */
export class SimUsageError extends Error {
  readonly exitCode = 2;
  constructor(message: string) {
    super(message);
    this.name = 'SimUsageError';
  }
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
export const randomSerial = () => Array.from({ length: 7 }, () => ALNUM[randomInt(ALNUM.length)]).join('');
export const randomBadge = () => String(randomInt(1_000_000)).padStart(6, '0');

function int(name: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new SimUsageError(`${name} must be a whole number from ${min} to ${max}, got ${v}`);
  }
  return v;
}

// H.264 in yuv420p needs even frame sizes.
function even(name: string, v: number): number {
  if (v % 2 !== 0) throw new SimUsageError(`${name} must be even, got ${v}`);
  return v;
}

export function resolveSimOptions(o: SimOptions, now = new Date()): ResolvedSimOptions {
  const personality = o.personality ?? 'generic';
  if (!(PERSONALITIES as readonly string[]).includes(personality)) {
    throw new SimUsageError(`unknown camera personality "${personality}" (accepted: ${PERSONALITIES.join(', ')})`);
  }
  const clips = int('clips', o.clips ?? 3, 0, 9999); // seq is 4 digits
  const seconds = int('seconds', o.seconds ?? 4, 1, 86_400);
  const photos = int('photos', o.photos ?? 2, 0, 9999);
  const audio = int('audio', o.audio ?? 1, 0, 9999);
  const clockOffset = int('clock offset', o.clockOffset ?? 0, -10 * 365 * 86_400, 10 * 365 * 86_400);

  let start: Date;
  if (o.start === undefined) {
    start = new Date(now.getTime() - 2 * 3600_000);
  } else {
    start = o.start instanceof Date ? new Date(o.start) : new Date(o.start);
    if (Number.isNaN(start.getTime())) throw new SimUsageError(`start is not a date: "${String(o.start)}"`);
  }
  // Whole seconds: MP4 creation_time and file names have one-second resolution.
  start.setUTCMilliseconds(0);

  const gaps = (o.gaps ?? []).map((g) => ({
    afterClip: int('gap clip number', g.afterClip, 1, Math.max(1, clips - 1)),
    seconds: int('gap seconds', g.seconds, 1, 30 * 86_400),
  }));
  if (gaps.length > 0 && clips < 2) throw new SimUsageError('a gap needs at least 2 clips');
  if (new Set(gaps.map((g) => g.afterClip)).size !== gaps.length) {
    throw new SimUsageError('at most one gap after each clip');
  }

  const serial = o.serial ?? randomSerial();
  if (!/^[0-9A-Za-z]{7}$/.test(serial)) throw new SimUsageError(`serial must be 7 letters or digits, got "${serial}"`);
  const badge = o.badge ?? randomBadge();
  if (!/^[0-9A-Za-z]{6}$/.test(badge)) throw new SimUsageError(`badge must be 6 letters or digits, got "${badge}"`);
  if (personality === 'labelled' && serial !== serial.toUpperCase()) {
    // FAT stores labels in upper case: a lower-case id could not be read back from the label.
    throw new SimUsageError(`a labelled camera's serial is its volume label and must be upper case, got "${serial}"`);
  }
  const battery = int('battery', o.battery ?? 80, 0, 100);
  const password = o.password ?? '000000';
  if (!/^[0-9A-Za-z]{1,16}$/.test(password)) throw new SimUsageError('password must be 1 to 16 letters or digits');
  const timezone = o.timezone ?? 'local';
  if (!isTimezone(timezone)) throw new SimUsageError(`timezone must be "local" or +HH:MM, got "${timezone}"`);

  return {
    clips, seconds, photos, audio, start, gaps: gaps.sort((a, b) => a.afterClip - b.afterClip), clockOffset,
    serial, badge, personality: personality as Personality, timezone,
    model: o.model ?? 'EVIDOCK-SIM-1',
    name: o.name ?? (personality === 'generic' ? `模拟警员 ${badge}` : SIM_NAMES[Number.parseInt(badge, 36) % SIM_NAMES.length]!),
    battery, password,
    unit: o.unit ?? '000000000000',
    width: even('width', int('width', o.width ?? 320, 16, 3840)),
    height: even('height', int('height', o.height ?? 240, 16, 2160)),
  };
}
