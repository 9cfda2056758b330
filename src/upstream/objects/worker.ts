// The object upstream worker (issue 14): queues what the station has proven on disk, sends each
// object to the bucket under its SHA-256 with a COMPLIANCE lock until its retention floor (legal
// hold when due), checks what the server holds before counting it upstream, keeps locks up with the
// retention floor (lengthened, never shortened), and raises upstream-late past alertAfterHours.
// State lives in custody (SQLite): a restart, a server outage or a crash resumes where it stopped,
// and an object already in the bucket is recognised, not sent again.
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { Transform } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { upstreamObjects as q, type Custody } from '../../custody/index.js';
import type { Config } from '../../config/schema.js';
import type { ObjectStore } from '../../store/index.js';
import type { Logger } from '../../util/logger.js';
import type { Bucket, HeadInfo } from './bucket.js';
import { lockTargets, type Targets } from './targets.js';
import { MAX_ATTEMPTS, Pacer, backoffMs, errorKind, lockChange, outageBackoffMs, putRetainUntil, type LockTarget } from './rules.js';

export interface ObjectUpstreamEnv {
  custody: Custody;
  store: ObjectStore;
  config: Pick<Config, 'retention' | 'timezone'> & { upstream: NonNullable<Config['upstream']> };
  bucket: Bucket;
  station: string;
  logger?: Logger | undefined;
  now?: () => Date;
}

export interface PassResult { enqueued: number; lockQueued: number; stored: number; reused: number; locked: number; failed: number; outage: string | null }

class ItemError extends Error {}

/** Objects in flight at once. */
const UPLOADS = 2;

const isoNow = (env: ObjectUpstreamEnv) => (env.now ?? (() => new Date()))().toISOString();

/** SHA-256 and MD5 of the local copy in one read: a copy that rotted on disk is never sent as evidence. */
async function localDigests(path: string, signal?: AbortSignal): Promise<{ sha256: string; md5: string; size: number }> {
  const sha = createHash('sha256'); const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20, signal }) as AsyncIterable<Buffer>) {
    sha.update(chunk); md5.update(chunk); size += chunk.length;
  }
  return { sha256: sha.digest('hex'), md5: md5.digest('base64'), size };
}

export class ObjectUpstream {
  readonly pacer: Pacer;
  #outages = 0;
  #pausedUntil = 0;
  constructor(readonly env: ObjectUpstreamEnv) {
    this.pacer = new Pacer(env.config.upstream.maxMBps * 1024 * 1024);
  }

  /** Until when the worker waits after the server was found away (ms since epoch; 0: not waiting). */
  get pausedUntil(): number { return this.#pausedUntil; }

  /**
   * One pass: enqueue, reconcile locks, then work through the due items until none is due or the
   * server is away. Returns what it did.
   */
  async pass(signal?: AbortSignal): Promise<PassResult> {
    const { custody } = this.env;
    const ctx = custody.ctx('system');
    const res: PassResult = { enqueued: q.enqueueVerified(ctx), lockQueued: 0, stored: 0, reused: 0, locked: 0, failed: 0, outage: null };
    const now = isoNow(this.env);
    const targets = lockTargets(custody, this.env.config, now);
    for (const u of q.listUpstream(ctx)) {
      if (!custody.hasObject(u.sha256)) continue; // purged on the station: the bucket keeps it until its own date
      const c = lockChange(u, targets.target(u.sha256, u.storedAt));
      if ((c.retainUntil !== null || c.legalHold !== null) && q.enqueueLock(ctx, u.sha256, u.size)) res.lockQueued++;
    }
    if (Date.now() < this.#pausedUntil) { res.outage = 'waiting for the server'; this.checkLate(); return res; }
    /** One item; true when the pass must stop (server away, or stopping). */
    const one = async (it: q.QueueItem): Promise<boolean> => {
      try {
        if (it.kind === 'put') {
          const r = await this.put(it.sha256, targets, signal);
          if (r === 'gone') q.dropItem(ctx, it.id, 'object no longer in custody');
          else if (r === 'reused') res.reused++; else res.stored++;
        } else if (!custody.hasObject(it.sha256)) {
          q.dropItem(ctx, it.id, 'object no longer in custody');
        } else {
          await this.lock(it.sha256, targets);
          res.locked++;
        }
        this.#outages = 0;
        return false;
      } catch (err) {
        if (signal?.aborted) return true;
        const e = err as Error & { code?: string; $metadata?: { httpStatusCode?: number } };
        const msg = `${e.name}: ${e.message}`.slice(0, 500);
        const kind = err instanceof ItemError ? 'item' : errorKind({ name: e.name, code: e.code, status: e.$metadata?.httpStatusCode, message: e.message });
        if (kind === 'outage') {
          // The server is away: nothing counts against the item; the whole worker waits, doubling.
          if (res.outage === null) {
            this.#outages++;
            this.#pausedUntil = Date.now() + outageBackoffMs(this.#outages);
            this.env.logger?.warn(`upstream: server unreachable (${msg}); next try in ${Math.round(outageBackoffMs(this.#outages) / 1000)} s`);
          }
          q.itemFailed(ctx, it.id, msg, it.nextAt, false, false); // the item stays due: a restarted worker takes it at once
          res.outage = msg;
          return true;
        }
        const attempts = it.attempts + 1;
        const failed = attempts >= MAX_ATTEMPTS;
        q.itemFailed(ctx, it.id, msg, new Date(Date.parse(isoNow(this.env)) + backoffMs(attempts)).toISOString(), failed);
        res.failed++;
        this.env.logger?.warn(`upstream: ${it.kind} ${it.sha256} failed (attempt ${attempts}): ${msg}`);
        if (failed) {
          custody.raiseAlert({ kind: 'upstream-failed', severity: 'critical', subject: `object ${it.sha256}`,
            message: `object ${it.sha256} could not be sent to the backend server after ${attempts} attempts: ${msg}; evidock upstream sync --retry after fixing it` });
        }
        return false;
      }
    };
    let stop = false;
    while (!stop && !signal?.aborted) {
      const items = q.dueItems(ctx, 4 * UPLOADS);
      if (items.length === 0) break;
      // A few at once: one object's local re-hash and checks overlap another's transfer (pacing is shared).
      await Promise.all(Array.from({ length: Math.min(UPLOADS, items.length) }, async () => {
        for (let it = items.shift(); it && !stop; it = items.shift()) {
          if (signal?.aborted || (await one(it))) stop = true;
        }
      }));
    }
    this.checkLate();
    return res;
  }

  /** Art. 14(1): an upstream-late alert (deduplicated) while the oldest item is older than alertAfterHours. */
  checkLate(): void {
    const b = q.backlog(this.env.custody.ctx('system'));
    if (b.oldest === null) return;
    const hours = (Date.parse(isoNow(this.env)) - Date.parse(b.oldest)) / 3_600_000;
    if (hours <= this.env.config.upstream.alertAfterHours) return;
    this.env.custody.raiseAlert({
      kind: 'upstream-late', severity: 'warning', subject: 'upstream',
      message: `${b.objects} object(s) (${b.bytes} bytes) not yet on the backend server; the oldest waits since ${b.oldest} `
        + `(${Math.floor(hours)} h, more than ${this.env.config.upstream.alertAfterHours} h)`,
    });
  }

  private check(h: HeadInfo | undefined, sha256: string, md5hex: string, size: number): string | undefined {
    if (!h) return 'not in the bucket';
    if (h.metaSha256 !== sha256) return `metadata sha256 is ${h.metaSha256 ?? 'absent'}`;
    if (h.etag !== md5hex) return `server checksum (ETag) ${h.etag} differs from the MD5 sent ${md5hex}`;
    if (h.size !== size) return `size ${h.size} differs from ${size}`;
    if (h.mode !== 'COMPLIANCE') return `lock mode is ${h.mode ?? 'absent'}, not COMPLIANCE`;
    return undefined;
  }

  private async put(sha256: string, targets: Targets, signal?: AbortSignal): Promise<'stored' | 'reused' | 'gone'> {
    const { custody, store, bucket } = this.env;
    const o = custody.getObject(sha256);
    if (!o) return 'gone';
    if (!store.has(sha256)) throw new ItemError(`local copy of ${sha256} missing from the store (run evidock verify)`);
    const path = store.pathFor(sha256);
    const local = await localDigests(path, signal);
    if (local.sha256 !== sha256 || local.size !== o.size) throw new ItemError(`local copy of ${sha256} does not match its SHA-256/size (run evidock verify)`);
    const md5hex = Buffer.from(local.md5, 'base64').toString('hex');
    const target = targets.target(sha256, o.storedAt);
    // Idempotent: what the bucket already holds under this key, checked, is not sent again.
    const existing = await bucket.head(sha256, undefined, signal);
    if (existing && this.check(existing, sha256, md5hex, o.size) === undefined) {
      this.stored(sha256, o.size, existing, md5hex, true);
      return 'reused';
    }
    const retainUntil = putRetainUntil(target, isoNow(this.env));
    const body = createReadStream(path, { highWaterMark: 1 << 20 }).pipe(this.paced());
    const put = await bucket.put({
      key: sha256, body, size: o.size, md5Base64: local.md5, retainUntil, legalHold: target.legalHold,
      meta: { sha256, station: this.env.station },
    }, signal);
    const h = await bucket.head(sha256, put.versionId, signal);
    const bad = this.check(h, sha256, md5hex, o.size);
    if (bad) throw new ItemError(`bucket copy of ${sha256} failed the check: ${bad}`);
    this.stored(sha256, o.size, h!, md5hex, false);
    return 'stored';
  }

  private stored(sha256: string, size: number, h: HeadInfo, md5hex: string, reused: boolean): void {
    q.markStored(this.env.custody.ctx('system'), {
      sha256, size, bucket: this.env.bucket.bucket, versionId: h.versionId, md5: md5hex,
      retainUntil: h.retainUntil ?? '', legalHold: h.legalHold, station: this.env.station, reused,
    });
  }

  private async lock(sha256: string, targets: Targets): Promise<void> {
    const ctx = this.env.custody.ctx('system');
    const u = q.getUpstream(ctx, sha256);
    if (!u) throw new ItemError(`object ${sha256} is not upstream yet`);
    const target: LockTarget = targets.target(sha256, u.storedAt);
    const c = lockChange(u, target);
    if (c.retainUntil !== null) await this.env.bucket.retainUntil(sha256, u.versionId, c.retainUntil);
    if (c.legalHold !== null) await this.env.bucket.legalHold(sha256, u.versionId, c.legalHold);
    const h = await this.env.bucket.head(sha256, u.versionId);
    if (!h || h.mode !== 'COMPLIANCE' || h.retainUntil === undefined) throw new ItemError(`bucket copy of ${sha256} shows no COMPLIANCE lock after the update`);
    if (Date.parse(h.retainUntil) < Date.parse(target.retainUntil) || h.legalHold !== target.legalHold) {
      throw new ItemError(`bucket copy of ${sha256} holds until ${h.retainUntil} (hold ${h.legalHold ? 'on' : 'off'}), want ${target.retainUntil} (hold ${target.legalHold ? 'on' : 'off'})`);
    }
    q.markLocked(ctx, sha256, h.retainUntil, h.legalHold, { retainUntil: u.retainUntil, legalHold: u.legalHold });
  }

  /** A pass-through that holds each chunk back as long as maxMBps requires. */
  private paced(): Transform {
    const pacer = this.pacer;
    return new Transform({
      transform(chunk: Buffer, _enc, cb) {
        const wait = pacer.take(chunk.length, performance.now());
        if (wait <= 0) cb(null, chunk);
        else void sleep(wait).then(() => cb(null, chunk));
      },
    });
  }
}
