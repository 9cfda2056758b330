// Pure rules: the instant a camera's metadata names. EXIF and Broadcast-WAV times are the camera's
// wall clock; EXIF 2.31 adds its UTC offset, otherwise the station's configured timezone applies
// (as for times in file names). An unset clock ("0000:00:00 …", blanks) gives no time at all.
import { parseWallClock } from '../profiles/filename.js';

const OFFSET = /^[+-]\d{2}:\d{2}$/;

/** `date` "YYYY?MM?DD" and `time` "HH?MM?SS" with any one-character separators, e.g. "2026:11:26" "08:31:12". */
function wallClock(date: string, time: string, offset: string | undefined, timezone: string): Date | undefined {
  const d = /^(\d{4})\D(\d{2})\D(\d{2})$/.exec(date.trim());
  const t = /^(\d{2})\D(\d{2})\D(\d{2})$/.exec(time.trim());
  if (!d || !t) return undefined;
  const zone = offset !== undefined && OFFSET.test(offset.trim()) ? offset.trim() : timezone;
  return parseWallClock(`${d[1]}-${d[2]}-${d[3]} ${t[1]}:${t[2]}:${t[3]}`, 'YYYY-MM-DD HH:mm:ss', zone);
}

/** "123" → 123 ms, "5" → 500 ms: EXIF sub-seconds are the digits after the decimal point. */
function subSecondMs(sub: string | undefined): number {
  const digits = sub?.trim() ?? '';
  return /^\d+$/.test(digits) ? Math.floor(Number(`0.${digits}`) * 1000) : 0;
}

export interface ExifTimeFields {
  DateTimeOriginal?: string; OffsetTimeOriginal?: string; SubSecTimeOriginal?: string;
  CreateDate?: string; OffsetTimeDigitized?: string; SubSecTimeDigitized?: string;
  ModifyDate?: string; OffsetTime?: string; SubSecTime?: string;
}

/**
 * When the photo was taken: DateTimeOriginal (the shutter), else CreateDate (digitized), else
 * ModifyDate (IFD0 DateTime, which editing software changes), each with its own offset and sub-seconds.
 */
export function exifInstant(f: ExifTimeFields, timezone: string): Date | undefined {
  const pairs: [string | undefined, string | undefined, string | undefined][] = [
    [f.DateTimeOriginal, f.OffsetTimeOriginal, f.SubSecTimeOriginal],
    [f.CreateDate, f.OffsetTimeDigitized, f.SubSecTimeDigitized],
    [f.ModifyDate, f.OffsetTime, f.SubSecTime],
  ];
  for (const [text, offset, sub] of pairs) {
    if (typeof text !== 'string') continue;
    const m = /^(\S+)\s+(\S+)$/.exec(text.replace(/\0+$/, '').trim());
    const at = m ? wallClock(m[1] as string, m[2] as string, offset, timezone) : undefined;
    if (at) return new Date(at.getTime() + subSecondMs(sub));
  }
  return undefined;
}

/** Broadcast WAV `bext`: OriginationDate "yyyy-mm-dd" and OriginationTime "hh:mm:ss", local time. */
export function bextInstant(date: string, time: string, timezone: string): Date | undefined {
  return wallClock(date, time, undefined, timezone);
}

/**
 * RIFF INFO `ICRD` (creation date) is free text. Taken only when it carries a time of day:
 * ISO 8601 with or without an offset ("2026-11-26T08:31:12+08:00", "2026-11-26 08:31:12Z") or
 * EXIF style. A bare date is too coarse to place a recording.
 */
export function riffDateInstant(text: string, timezone: string): Date | undefined {
  const m = /^(\d{4}\D\d{2}\D\d{2})[T ](\d{2}\D\d{2}\D\d{2})(?:\.(\d+))?\s*(Z|[+-]\d{2}:?\d{2})?$/i
    .exec(text.replace(/\0+$/, '').trim());
  if (!m) return undefined;
  const zone = m[4] === undefined ? undefined
    : /^z$/i.test(m[4]) ? '+00:00' : m[4].includes(':') ? m[4] : `${m[4].slice(0, 3)}:${m[4].slice(3)}`;
  const at = wallClock(m[1] as string, m[2] as string, zone, timezone);
  return at && new Date(at.getTime() + subSecondMs(m[3]));
}
