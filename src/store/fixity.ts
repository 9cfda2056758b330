// Fixity scrub: re-hash stored objects against the sizes and hashes the custody DB recorded.
// Choosing the order (least recently verified first) is the caller's job; here we take the
// given list, optionally rotated by `offset`, and check the first N (or ceil(P% × total)).
import type { ObjectCheck, ObjectStore } from './object-store.js';

export type Sample = { count: number } | { percent: number };

export interface SampleSpec {
  /** Check this many objects (wins over percent when both are given). */
  count?: number | undefined;
  /** Check ceil(percent% × total) objects, percent in (0, 100]. */
  percent?: number | undefined;
  /** Start this many entries into the list (wrapping around), for a rotation without DB state. */
  offset?: number | undefined;
}

export interface FixityResult {
  /** Objects checked in this run. */
  objects: number;
  ok: number;
  missing: string[];
  mismatched: string[];
  /** Every hash checked, in order (ok or not), so the caller can record when each was verified. */
  checkedHashes: string[];
}

export interface FixityOptions {
  signal?: AbortSignal | undefined;
  /** Per object, e.g. so the caller can record when each object was last verified. */
  onResult?: ((sha256: string, result: ObjectCheck) => void) | undefined;
}

/** A bad `--sample` value: a usage error (exit code 2, EXIT.usage in src/cli/exit.ts). */
export class SampleError extends Error {
  override readonly name = 'SampleError';
  readonly exitCode = 2;
}

const COUNT = /^\d+$/;
const PERCENT = /^(\d+(?:\.\d+)?)%$/;

/** Parse the `--sample N|P%` flag: "10" → {count: 10}, "25%" → {percent: 25}. */
export function parseSample(text: string): Sample {
  const s = text.trim();
  const bad = (why: string) =>
    new SampleError(`--sample: ${why}; expected a count like 10 or a percentage like 25%, got ${JSON.stringify(text)}`);
  const pm = PERCENT.exec(s);
  if (pm) {
    const percent = Number(pm[1]);
    if (!(percent > 0) || percent > 100) throw bad('percentage must be more than 0% and at most 100%');
    return { percent };
  }
  if (COUNT.test(s)) {
    const count = Number(s);
    if (!Number.isSafeInteger(count) || count < 1) throw bad('count must be a whole number of at least 1');
    return { count };
  }
  throw bad('not a number');
}

/** How many of `total` objects a sample covers. No sample: all of them. */
export function sampleSize(total: number, sample?: SampleSpec): number {
  if (sample?.count !== undefined) {
    if (!Number.isSafeInteger(sample.count) || sample.count < 1) throw new RangeError(`sample count ${sample.count}`);
    return Math.min(sample.count, total);
  }
  if (sample?.percent !== undefined) {
    const p = sample.percent;
    if (!(p > 0) || p > 100) throw new RangeError(`sample percent ${p}`);
    // Round the product first so 10% of 30 is 3, not ceil(3.0000000000000004) = 4.
    return Math.min(Math.ceil(Number(((p / 100) * total).toPrecision(12))), total);
  }
  return total;
}

/** The entries a sample picks: `offset` rotates the list, then the first sampleSize() entries. */
export function pickSample<T>(items: readonly T[], sample?: SampleSpec): T[] {
  const n = sampleSize(items.length, sample);
  if (n === 0) return [];
  const start = (((sample?.offset ?? 0) % items.length) + items.length) % items.length;
  return [...items.slice(start), ...items.slice(0, start)].slice(0, n);
}

export async function verifyStore(
  store: Pick<ObjectStore, 'verifyObject'>,
  hashes: readonly { sha256: string; size: number }[],
  sample?: SampleSpec,
  opts: FixityOptions = {},
): Promise<FixityResult> {
  const result: FixityResult = { objects: 0, ok: 0, missing: [], mismatched: [], checkedHashes: [] };
  for (const { sha256, size } of pickSample(hashes, sample)) {
    const check = await store.verifyObject(sha256, size, { signal: opts.signal });
    result.objects++;
    result.checkedHashes.push(sha256);
    if (check === 'ok') result.ok++;
    else if (check === 'missing') result.missing.push(sha256);
    else result.mismatched.push(sha256);
    opts.onResult?.(sha256, check);
  }
  return result;
}
