// Pure rules: what a camera's file name says about the recording (start time, serial, badge).
import type { Profile } from '../config/schema.js';
import { compilePattern } from './pattern.js';

export interface NameFacts { start?: Date; serial?: string; badge?: string; seq?: number }

/** Offset in minutes east of UTC for a config timezone ("local" or "+08:00") at an instant. */
export function zoneOffsetMinutes(timezone: string, at: Date): number {
  if (timezone === 'local') return -at.getTimezoneOffset();
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(timezone);
  if (!m) throw new Error(`timezone: expected "local" or ±HH:MM, got "${timezone}"`);
  const mins = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -mins : mins;
}

const TOKENS = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'] as const;

/**
 * Reads a wall-clock time laid out as `format` (YYYY MM DD HH mm ss; other characters are
 * separators and must match by position) in the camera's timezone. Returns undefined when the
 * text does not fit or names an impossible date, so the caller falls back to other sources.
 */
export function parseWallClock(text: string, format: string, timezone: string): Date | undefined {
  if (text.length !== format.length) return undefined;
  const parts: Record<string, number> = {};
  for (let i = 0; i < format.length;) {
    const tok = TOKENS.find((t) => format.startsWith(t, i));
    if (tok) {
      const digits = text.slice(i, i + tok.length);
      if (!/^\d+$/.test(digits)) return undefined;
      parts[tok] = Number(digits);
      i += tok.length;
    } else {
      if (text[i] !== format[i]) return undefined;
      i += 1;
    }
  }
  const [y, mo, d, h, mi, s] = [parts.YYYY, parts.MM ?? 1, parts.DD ?? 1, parts.HH ?? 0, parts.mm ?? 0, parts.ss ?? 0];
  if (y === undefined || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return undefined;
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(asUtc);
  if (check.getUTCDate() !== d || check.getUTCMonth() !== mo - 1) return undefined; // e.g. 31 Feb
  // Two passes so a local zone's DST edge picks the offset valid at the result.
  let t = asUtc - zoneOffsetMinutes(timezone, new Date(asUtc)) * 60_000;
  t = asUtc - zoneOffsetMinutes(timezone, new Date(t)) * 60_000;
  return new Date(t);
}

/** Formats an instant as wall-clock text in `format` for the given timezone (inverse of parseWallClock). */
export function formatWallClock(at: Date, format: string, timezone: string): string {
  const shifted = new Date(at.getTime() + zoneOffsetMinutes(timezone, at) * 60_000);
  const values: Record<string, string> = {
    YYYY: String(shifted.getUTCFullYear()).padStart(4, '0'),
    MM: String(shifted.getUTCMonth() + 1).padStart(2, '0'),
    DD: String(shifted.getUTCDate()).padStart(2, '0'),
    HH: String(shifted.getUTCHours()).padStart(2, '0'),
    mm: String(shifted.getUTCMinutes()).padStart(2, '0'),
    ss: String(shifted.getUTCSeconds()).padStart(2, '0'),
  };
  let out = '';
  for (let i = 0; i < format.length;) {
    const tok = TOKENS.find((t) => format.startsWith(t, i));
    if (tok) { out += values[tok]; i += tok.length; } else { out += format[i]; i += 1; }
  }
  return out;
}

/** Applies the profile's named-group regex to a file's base name. */
export function parseFileName(profile: Profile, baseName: string, timezone: string): NameFacts {
  if (!profile.filename) return {};
  const g = compilePattern(profile.filename).groups(baseName);
  if (!g) return {};
  const facts: NameFacts = {};
  if (g.start) {
    const start = parseWallClock(g.start, profile.startFormat, timezone);
    if (start) facts.start = start;
  }
  if (g.serial) facts.serial = g.serial;
  if (g.badge) facts.badge = g.badge;
  if (g.seq && /^\d+$/.test(g.seq)) facts.seq = Number(g.seq);
  return facts;
}

export type MediaKind = 'video' | 'photo' | 'audio' | 'other';

export function mediaKindOf(name: string): MediaKind {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  if (['mp4', 'mov', 'avi', 'mkv', 'ts', 'h264', 'h265'].includes(ext)) return 'video';
  if (['jpg', 'jpeg', 'png', 'bmp'].includes(ext)) return 'photo';
  if (['m4a', 'aac', 'wav', 'mp3', 'amr'].includes(ext)) return 'audio';
  return 'other';
}
