// The upstream object queue in custody (issue 14): what is still to send to the bucket, with
// retries and backoff, and what the bucket holds. Every object stored upstream, every lock
// change and every local copy pruned is an audit entry.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';

export type QueueKind = 'put' | 'lock';

export interface QueueItem {
  id: number; sha256: string; kind: QueueKind; size: number; enqueuedAt: string;
  attempts: number; nextAt: string; lastError: string | null; failed: boolean;
}

export interface UpstreamObject {
  sha256: string; size: number; bucket: string; versionId: string | null; md5: string;
  retainUntil: string; legalHold: boolean; storedAt: string; lockedAt: string; prunedAt: string | null;
}

export interface Backlog {
  objects: number; bytes: number;
  /** enqueued_at of the oldest item (a put: when its object was stored), or null */
  oldest: string | null;
  /** items whose retries are exhausted */
  failed: number;
  lockUpdates: number;
}

const ITEM = `SELECT id, sha256, kind, size, enqueued_at AS enqueuedAt, attempts, next_at AS nextAt, last_error AS lastError, failed FROM upstream_queue`;
const OBJ = `SELECT sha256, size, bucket, version_id AS versionId, md5, retain_until AS retainUntil, legal_hold AS legalHold,
  stored_at AS storedAt, locked_at AS lockedAt, pruned_at AS prunedAt FROM upstream_objects`;

const item = (r: Omit<QueueItem, 'failed'> & { failed: number }): QueueItem => ({ ...r, failed: r.failed === 1 });
const obj = (r: Omit<UpstreamObject, 'legalHold'> & { legalHold: number }): UpstreamObject => ({ ...r, legalHold: r.legalHold === 1 });

/** Queues every object proven on disk that is neither upstream nor queued. Returns how many were added. */
export function enqueueVerified(ctx: Ctx): number {
  return writeTx(ctx, () => stmt(ctx.db, `INSERT INTO upstream_queue (sha256, kind, size, enqueued_at, next_at)
    SELECT o.sha256, 'put', o.size, o.stored_at, ? FROM objects o
    WHERE o.verified_at IS NOT NULL
      AND NOT EXISTS (SELECT 1 FROM upstream_objects u WHERE u.sha256 = o.sha256)
    ORDER BY o.stored_at
    ON CONFLICT (sha256, kind) DO NOTHING`).run(ctx.now()).changes);
}

/** Queues a lock update (retain-until extended, legal hold set or released). False when already queued. */
export function enqueueLock(ctx: Ctx, sha256: string, size: number): boolean {
  return writeTx(ctx, () => stmt(ctx.db, `INSERT INTO upstream_queue (sha256, kind, size, enqueued_at, next_at) VALUES (?, 'lock', ?, ?, ?)
    ON CONFLICT (sha256, kind) DO NOTHING`).run(sha256, size, ctx.now(), ctx.now()).changes > 0);
}

/** Items due now (not failed, next_at passed), puts oldest first, then lock updates. */
export function dueItems(ctx: Ctx, limit = 16): QueueItem[] {
  return (stmt(ctx.db, `${ITEM} WHERE failed = 0 AND next_at <= ? ORDER BY kind = 'lock', enqueued_at, id LIMIT ?`)
    .all(ctx.now(), limit) as Parameters<typeof item>[0][]).map(item);
}

export function listQueue(ctx: Ctx): QueueItem[] {
  return (stmt(ctx.db, `${ITEM} ORDER BY enqueued_at, id`).all() as Parameters<typeof item>[0][]).map(item);
}

/** An attempt failed: count it, wait until nextAt; `failed` stops automatic retries (audited then). */
export function itemFailed(ctx: Ctx, id: number, error: string, nextAt: string, failed: boolean, countAttempt = true): void {
  writeTx(ctx, () => {
    stmt(ctx.db, `UPDATE upstream_queue SET attempts = attempts + ?, last_error = ?, next_at = ?, failed = ? WHERE id = ?`)
      .run(countAttempt ? 1 : 0, error, nextAt, failed ? 1 : 0, id);
    if (failed) {
      const r = stmt(ctx.db, `${ITEM} WHERE id = ?`).get(id) as Parameters<typeof item>[0] | undefined;
      if (r) audit(ctx, 'upstream.object.failed', { sha256: r.sha256, kind: r.kind, attempts: r.attempts, error });
    }
  });
}

/** Drops an item whose object left custody (purged before it went up). */
export function dropItem(ctx: Ctx, id: number, why: string): void {
  writeTx(ctx, () => {
    const r = stmt(ctx.db, `${ITEM} WHERE id = ?`).get(id) as Parameters<typeof item>[0] | undefined;
    if (!r) return;
    stmt(ctx.db, 'DELETE FROM upstream_queue WHERE id = ?').run(id);
    audit(ctx, 'upstream.object.dropped', { sha256: r.sha256, kind: r.kind, reason: why });
  });
}

/** Failed items go back into the queue (manual `upstream sync --retry`). Returns how many. */
export function retryFailed(ctx: Ctx): number {
  return writeTx(ctx, () => {
    const n = stmt(ctx.db, 'UPDATE upstream_queue SET failed = 0, attempts = 0, next_at = ? WHERE failed = 1').run(ctx.now()).changes;
    if (n) audit(ctx, 'upstream.retry', { items: n });
    return n;
  });
}

export interface StoredInput {
  sha256: string; size: number; bucket: string; versionId: string | null; md5: string;
  retainUntil: string; legalHold: boolean; station: string;
  /** true: the bucket already held it (another station, or a put whose answer was lost) — nothing re-sent */
  reused: boolean;
}

/** The object is upstream and checked: its put item leaves the queue, in one transaction with the audit entry. */
export function markStored(ctx: Ctx, s: StoredInput): void {
  writeTx(ctx, () => {
    const now = ctx.now();
    stmt(ctx.db, `INSERT INTO upstream_objects (sha256, size, bucket, version_id, md5, retain_until, legal_hold, stored_at, locked_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sha256) DO UPDATE SET version_id = excluded.version_id, md5 = excluded.md5,
      retain_until = excluded.retain_until, legal_hold = excluded.legal_hold, locked_at = excluded.locked_at`)
      .run(s.sha256, s.size, s.bucket, s.versionId, s.md5, s.retainUntil, s.legalHold ? 1 : 0, now, now);
    stmt(ctx.db, `DELETE FROM upstream_queue WHERE sha256 = ? AND kind = 'put'`).run(s.sha256);
    audit(ctx, 'upstream.object.stored', {
      sha256: s.sha256, size: s.size, bucket: s.bucket, versionId: s.versionId, md5: s.md5,
      retainUntil: s.retainUntil, legalHold: s.legalHold, mode: 'COMPLIANCE', station: s.station, reused: s.reused,
    });
  });
}

/** The bucket's lock now is retainUntil / legalHold (extended or hold changed): the lock item leaves the queue. */
export function markLocked(ctx: Ctx, sha256: string, retainUntil: string, legalHold: boolean, from: { retainUntil: string; legalHold: boolean }): void {
  writeTx(ctx, () => {
    stmt(ctx.db, 'UPDATE upstream_objects SET retain_until = ?, legal_hold = ?, locked_at = ? WHERE sha256 = ?')
      .run(retainUntil, legalHold ? 1 : 0, ctx.now(), sha256);
    stmt(ctx.db, `DELETE FROM upstream_queue WHERE sha256 = ? AND kind = 'lock'`).run(sha256);
    audit(ctx, 'upstream.object.locked', { sha256, from, to: { retainUntil, legalHold } });
  });
}

export function getUpstream(ctx: Ctx, sha256: string): UpstreamObject | undefined {
  const r = stmt(ctx.db, `${OBJ} WHERE sha256 = ?`).get(sha256) as Parameters<typeof obj>[0] | undefined;
  return r ? obj(r) : undefined;
}

export function listUpstream(ctx: Ctx): UpstreamObject[] {
  return (stmt(ctx.db, `${OBJ} ORDER BY stored_at, sha256`).all() as Parameters<typeof obj>[0][]).map(obj);
}

/** Objects whose local copy was pruned (they live in the bucket only). */
export function prunedObjects(ctx: Ctx): Set<string> {
  return new Set((stmt(ctx.db, 'SELECT sha256 FROM upstream_objects WHERE pruned_at IS NOT NULL').all() as { sha256: string }[]).map((r) => r.sha256));
}

/**
 * Notes the local copy pruned (the caller checked the bucket and the rules; the store moves the file
 * out after this commits). The audit entry says where the object lives now.
 */
export function markPruned(ctx: Ctx, sha256: string, detail: { bucket: string; versionId: string | null; retainUntil: string; legalHold: boolean; rehashed: string }): void {
  writeTx(ctx, () => {
    const n = stmt(ctx.db, 'UPDATE upstream_objects SET pruned_at = ? WHERE sha256 = ? AND pruned_at IS NULL').run(ctx.now(), sha256).changes;
    if (n === 0) throw new Error(`custody: object ${sha256} is not upstream or already pruned`);
    audit(ctx, 'upstream.object.pruned', { sha256, ...detail });
  });
}

/** What is not yet upstream: queued puts, and objects proven on disk the worker has not queued yet. */
export function backlog(ctx: Ctx): Backlog {
  return stmt(ctx.db, `WITH waiting AS (
      SELECT size, enqueued_at AS since, failed FROM upstream_queue WHERE kind = 'put'
      UNION ALL
      SELECT o.size, o.stored_at, 0 FROM objects o WHERE o.verified_at IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM upstream_objects u WHERE u.sha256 = o.sha256)
        AND NOT EXISTS (SELECT 1 FROM upstream_queue q WHERE q.sha256 = o.sha256 AND q.kind = 'put'))
    SELECT count(*) AS objects, coalesce(sum(size), 0) AS bytes, min(since) AS oldest, count(*) FILTER (WHERE failed = 1) AS failed,
      (SELECT count(*) FROM upstream_queue WHERE kind = 'lock') AS lockUpdates FROM waiting`).get() as Backlog;
}
