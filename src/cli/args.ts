// Option values checked where they are parsed: a bad one is a usage error (exit 2) naming the
// option, never a silent default ("--limit -1" listing everything) or a failure deep inside.
import { InvalidArgumentError } from 'commander';

/** A whole number ≥ 1 (row limits). */
export function parseLimit(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError('expected a whole number of at least 1.');
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

/** An ISO 8601 date or date-time (2026-11-26, 2026-11-26T08:00:00+08:00), as an ISO UTC string. */
export function parseTime(v: string): string {
  const t = v.trim();
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(t)) {
    throw new InvalidArgumentError('expected an ISO 8601 date or time, e.g. 2026-11-26 or 2026-11-26T08:00:00+08:00.');
  }
  const ms = Date.parse(t.replace(' ', 'T'));
  if (Number.isNaN(ms)) throw new InvalidArgumentError('not a valid date or time.');
  return new Date(ms).toISOString();
}
