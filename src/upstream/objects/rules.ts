// Pure rules of the object upstream (issue 14): the lock an object must carry in the bucket, when a
// lock must change (only ever lengthened), backoff, which errors mean "server away", pacing to
// upstream.maxMBps, and whether a local copy may be pruned.
import { addMonths, type Zone } from '../../retention/dates.js';
import { withFloors, type Category, type RetentionPeriods } from '../../retention/rules.js';

/** One recording that names the object, as the retention plan sees it. */
export interface LockSubject {
  recordedAt: string; ingestedAt: string; category: Category;
  /** the plan's keepUntil (null: kept until something changes — open case, major, case not yet linked) */
  keepUntil: string | null;
  held: boolean;
  /** a verified disc holds it (major recordings need one before their local copy may go) */
  verifiedDisc: boolean;
}

export interface LockTarget { retainUntil: string; legalHold: boolean; why: string }

const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b);

/**
 * The lock an object carries: COMPLIANCE until the latest retention floor of the recordings naming
 * it, and a legal hold while any of them is major, held, or kept open-ended. An open-ended recording
 * can never end before caseMinMonths from its basis (retention only lengthens and a closed case keeps
 * at least that long), so that date is its floor; the legal hold covers the rest.
 */
export function lockTarget(subjects: readonly LockSubject[], storedAt: string, periods: Partial<RetentionPeriods> = {}, zone: Zone = 'local'): LockTarget {
  const p = withFloors(periods);
  if (subjects.length === 0) {
    return { retainUntil: addMonths(storedAt, p.caseMinMonths, zone), legalHold: false, why: `no recording: ${p.caseMinMonths} months from storage` };
  }
  let until = '';
  const holds: string[] = [];
  for (const s of subjects) {
    const basis = Date.parse(s.ingestedAt) > Date.parse(s.recordedAt) ? s.ingestedAt : s.recordedAt;
    const floor = s.keepUntil ?? addMonths(basis, p.caseMinMonths, zone);
    until = until === '' ? floor : later(until, floor);
    if (s.category === 'major') holds.push('major');
    else if (s.held) holds.push('held');
    else if (s.keepUntil === null) holds.push('kept open-ended');
  }
  return { retainUntil: until, legalHold: holds.length > 0, why: holds.length ? `legal hold: ${[...new Set(holds)].join(', ')}` : 'retention floor' };
}

/** S3 wants a retain-until in the future: a floor already passed is put as one day from now. */
export function putRetainUntil(target: LockTarget, now: string): string {
  return later(target.retainUntil, new Date(Date.parse(now) + 86_400_000).toISOString());
}

export interface BucketLock { retainUntil: string; legalHold: boolean }
export interface LockChange { retainUntil: string | null; legalHold: boolean | null }

/** What to change in the bucket: a later retain-until (never an earlier one), and the legal hold when it differs. */
export function lockChange(bucket: BucketLock, target: LockTarget): LockChange {
  return {
    retainUntil: Date.parse(target.retainUntil) > Date.parse(bucket.retainUntil) ? target.retainUntil : null,
    legalHold: bucket.legalHold !== target.legalHold ? target.legalHold : null,
  };
}

export const MAX_ATTEMPTS = 8;

/** Wait after the n-th failed attempt of one item (n ≥ 1): 30 s doubling, at most an hour. */
export function backoffMs(attempts: number, baseMs = 30_000, capMs = 3_600_000): number {
  return Math.min(capMs, baseMs * 2 ** Math.max(0, attempts - 1));
}

/** Wait after the n-th consecutive outage (server unreachable): 2 s doubling, at most 5 minutes. */
export function outageBackoffMs(consecutive: number): number {
  return backoffMs(consecutive, 2_000, 300_000);
}

export interface ErrorFacts { name?: string | undefined; code?: string | undefined; status?: number | undefined; message?: string | undefined }

/**
 * 'outage': the server (or the network) is away or overloaded — the whole worker waits and no item's
 * attempts are used up; 'item': this object failed (refused, checksum mismatch, local file bad).
 */
export function errorKind(e: ErrorFacts): 'outage' | 'item' {
  if (e.status !== undefined && (e.status >= 500 || e.status === 429)) return 'outage';
  const code = e.code ?? '';
  if (/^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNABORTED|UND_ERR_\w+)$/.test(code)) return 'outage';
  if (/^(TimeoutError|RequestTimeout|SlowDown|ServiceUnavailable|InternalError|NetworkingError)$/.test(e.name ?? '')) return 'outage';
  if (/socket hang up|ECONNREFUSED|ECONNRESET|connect ETIMEDOUT/.test(e.message ?? '')) return 'outage';
  return 'item';
}

/**
 * Paces uploads to a byte rate: take(bytes, nowMs) says how long to wait before sending them.
 * An idle gap does not bank credit beyond one second's worth (no burst after a pause).
 */
export class Pacer {
  #start = Number.NEGATIVE_INFINITY;
  #sent = 0;
  constructor(readonly bytesPerSec: number) {
    if (!(bytesPerSec > 0)) throw new Error('Pacer: bytesPerSec must be positive');
  }
  take(bytes: number, nowMs: number): number {
    const due = this.#start + (this.#sent / this.bytesPerSec) * 1000; // when what was sent so far is paid for
    if (nowMs - due > 1000) { this.#start = nowMs - 1000; this.#sent = 0; } // idle (or first): one second of credit, no more
    this.#sent += bytes;
    return Math.max(0, this.#start + (this.#sent / this.bytesPerSec) * 1000 - nowMs);
  }
}

/** What the bucket shows for the object's version (HEAD), and the re-hash of its bytes read back (GET). */
export interface UpstreamCheck {
  mode: string | undefined; retainUntil: string | undefined; legalHold: boolean;
  metaSha256: string | undefined; size: number | undefined;
  /** SHA-256 of the bytes read back from the bucket */
  rehash: string | undefined;
}

export type PruneVerdict = { ok: true } | { ok: false; why: string };

/**
 * A local copy may go only when the bucket holds it locked in COMPLIANCE until at least the floor
 * (and under legal hold when one is due), its bytes read back hash to the key, and the station's
 * rules allow: no held recording, and a major recording only once a verified disc holds it.
 */
export function pruneVerdict(sha256: string, size: number, up: UpstreamCheck, target: LockTarget, subjects: readonly LockSubject[]): PruneVerdict {
  if (up.mode !== 'COMPLIANCE') return { ok: false, why: `bucket lock is ${up.mode ?? 'absent'}, not COMPLIANCE` };
  if (up.retainUntil === undefined || Date.parse(up.retainUntil) < Date.parse(target.retainUntil)) {
    return { ok: false, why: `bucket retains until ${up.retainUntil ?? 'never'}, before the floor ${target.retainUntil}` };
  }
  if (target.legalHold && !up.legalHold) return { ok: false, why: 'legal hold due but not set in the bucket' };
  if (up.metaSha256 !== sha256) return { ok: false, why: `bucket metadata sha256 is ${up.metaSha256 ?? 'absent'}` };
  if (up.size !== size) return { ok: false, why: `bucket size ${up.size ?? '?'} differs from ${size}` };
  if (up.rehash !== sha256) return { ok: false, why: `bytes read back hash to ${up.rehash ?? 'nothing'}, not the key` };
  if (subjects.some((s) => s.held)) return { ok: false, why: 'a held recording keeps its local copy' };
  if (subjects.some((s) => s.category === 'major' && !s.verifiedDisc)) return { ok: false, why: 'major recording without a verified disc' };
  return { ok: true };
}
