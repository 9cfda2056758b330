// Camera wall-clock formatting. A camera has no zone: it shows local time, and file names carry
// that. `timezone` follows the config key: "local" (this machine, honouring TZ) or "+HH:MM".

export type Timezone = 'local' | `${'+' | '-'}${string}`;

export function isTimezone(tz: string): tz is Timezone {
  return tz === 'local' || /^[+-]([01]\d|2[0-3]):[0-5]\d$/.test(tz);
}

/** UTC offset in minutes that the camera's clock shows at instant `d`. */
export function offsetMinutes(d: Date, tz: Timezone): number {
  if (tz === 'local') return -d.getTimezoneOffset();
  const sign = tz.startsWith('-') ? -1 : 1;
  return sign * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(4, 6)));
}

/** "YYYYMMDD_HHMMSS" as the camera's display shows instant `d`. */
export function fileStamp(d: Date, tz: Timezone): string {
  const wall = new Date(d.getTime() + offsetMinutes(d, tz) * 60_000).toISOString(); // wall clock as if UTC
  return `${wall.slice(0, 4)}${wall.slice(5, 7)}${wall.slice(8, 10)}_${wall.slice(11, 13)}${wall.slice(14, 16)}${wall.slice(17, 19)}`;
}

export const addSeconds = (d: Date, s: number) => new Date(d.getTime() + s * 1000);
