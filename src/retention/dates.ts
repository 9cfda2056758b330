// Calendar arithmetic for retention floors. "3 months from" is a calendar rule in the unit's
// time zone: the same wall-clock time N months later, clamped to the last day of a shorter
// month (30 Nov + 3 months = 28 Feb, or 29 Feb in a leap year).

/** "local" (this machine's zone) or a fixed offset "+08:00" (config `timezone`). */
export type Zone = string;

function offsetMinutes(zone: Zone): number | undefined {
  if (zone === 'local') return undefined;
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(zone);
  if (!m) throw new RangeError(`timezone must be "local" or like +08:00, got ${JSON.stringify(zone)}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

function daysInMonth(year: number, month0: number): number {
  return new Date(Date.UTC(year, month0 + 1, 0)).getUTCDate();
}

/** iso + n calendar months in `zone`, clamped to the month's end. Returns ISO-8601 UTC. */
export function addMonths(iso: string, months: number, zone: Zone = 'local'): string {
  if (!Number.isInteger(months)) throw new RangeError(`months must be a whole number, got ${months}`);
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RangeError(`not a time: ${JSON.stringify(iso)}`);
  const off = offsetMinutes(zone);
  if (off === undefined) {
    const d = new Date(t);
    const total = d.getMonth() + months;
    const year = d.getFullYear() + Math.floor(total / 12);
    const month0 = ((total % 12) + 12) % 12;
    const day = Math.min(d.getDate(), daysInMonth(year, month0));
    return new Date(year, month0, day, d.getHours(), d.getMinutes(), d.getSeconds(), d.getMilliseconds()).toISOString();
  }
  // Fixed offset: do the arithmetic on the wall clock, then take the offset back off.
  const wall = new Date(t + off * 60_000);
  const total = wall.getUTCMonth() + months;
  const year = wall.getUTCFullYear() + Math.floor(total / 12);
  const month0 = ((total % 12) + 12) % 12;
  const day = Math.min(wall.getUTCDate(), daysInMonth(year, month0));
  const out = Date.UTC(year, month0, day, wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds(), wall.getUTCMilliseconds());
  return new Date(out - off * 60_000).toISOString();
}

export function addDays(iso: string, days: number): string {
  return new Date(Date.parse(iso) + days * 86_400_000).toISOString();
}

/** The later of two ISO times (null = never: it wins). */
export function laterOf(a: string | null, b: string | null): string | null {
  if (a === null || b === null) return null;
  return Date.parse(a) >= Date.parse(b) ? a : b;
}

/**
 * "--until 2027-06-30" keeps the recording through that day: the end is the start of the next
 * day in `zone`. A full ISO time is taken as it is.
 */
export function startOfDayAfter(text: string, zone: Zone = 'local'): string {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!m) {
    const t = Date.parse(text);
    if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}T/.test(text.trim())) throw new RangeError(`not a date: ${JSON.stringify(text)} (use YYYY-MM-DD)`);
    return new Date(t).toISOString();
  }
  const [y, mo, d] = [Number(m[1]), Number(m[2]) - 1, Number(m[3])];
  if (new Date(Date.UTC(y, mo, d)).getUTCDate() !== d) throw new RangeError(`not a date: ${JSON.stringify(text)}`);
  const off = offsetMinutes(zone);
  if (off === undefined) return new Date(y, mo, d + 1).toISOString();
  return new Date(Date.UTC(y, mo, d + 1) - off * 60_000).toISOString();
}
