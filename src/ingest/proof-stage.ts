// The disk-proof stage (issue 8): after objects are stored and committed, each is re-read from
// the medium (store/disk-proof.ts) and, when it matches, marked verified (objects.verified_at)
// with one audit entry per batch. One pass runs per store at a time; a request while it runs
// makes it go round again. A session is `verified` once every object it names has its proof;
// wiping a camera file waits for it. A failed proof raises a critical alert.
import type { Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import { DiskProver } from '../store/disk-proof.js';
import type { Logger } from '../util/logger.js';

const BATCH = 256;

export interface ProofPass { proved: number; failed: { sha256: string; reason: string }[] }

/** Pure: which answers prove which objects. */
export function judgeProof(objects: readonly { sha256: string; size: number }[],
  answers: readonly ({ ok: true; sha256: string; bytes: number } | { ok: false; error: string })[]): ProofPass & { ok: string[] } {
  const ok: string[] = [];
  const failed: { sha256: string; reason: string }[] = [];
  objects.forEach((o, i) => {
    const a = answers[i];
    if (!a) failed.push({ sha256: o.sha256, reason: 'no answer' });
    else if (!a.ok) failed.push({ sha256: o.sha256, reason: a.error });
    else if (a.sha256 !== o.sha256 || a.bytes !== o.size) failed.push({ sha256: o.sha256, reason: `re-read from disk hashed ${a.sha256} (${a.bytes} bytes)` });
    else ok.push(o.sha256);
  });
  return { ok, proved: ok.length, failed };
}

const running = new Map<string, { pass: Promise<ProofPass>; again: boolean; drain: boolean }>();

/**
 * While an ingest is still copying, a pass proves only full batches (ALONGSIDE_MIN objects or
 * ALONGSIDE_MIN_BYTES): a pass spawns the helper, and a spawn per handful of small files cost
 * the copy more than the proof saved. A caller without `whileIngesting` drains the backlog.
 */
const ALONGSIDE_MIN = BATCH;
const ALONGSIDE_MIN_BYTES = 128 * 2 ** 20;

/** Prove every object still waiting (the backlog), batch by batch. Resolves when the backlog is done. */
export function proveBacklog(deps: { custody: Custody; store: ObjectStore; logger: Logger },
  opts: { signal?: AbortSignal | undefined; whileIngesting?: boolean } = {}): Promise<ProofPass> {
  const key = deps.store.root;
  const cur = running.get(key);
  if (cur) {
    cur.again = true;
    if (!opts.whileIngesting) cur.drain = true;
    return cur.pass;
  }
  const entry = { pass: Promise.resolve<ProofPass>({ proved: 0, failed: [] }), again: false, drain: !opts.whileIngesting };
  entry.pass = (async () => {
    const total: ProofPass = { proved: 0, failed: [] };
    try {
      for (;;) {
        entry.again = false;
        const r = await onePass(deps, opts.signal, () => entry.drain);
        total.proved += r.proved;
        total.failed.push(...r.failed);
        if (opts.signal?.aborted) break;
        if (r.deferred) { if (entry.drain) continue; break; }
        if (!entry.again) break;
      }
    } finally {
      running.delete(key);
    }
    return total;
  })();
  running.set(key, entry);
  return entry.pass;
}

async function onePass(deps: { custody: Custody; store: ObjectStore; logger: Logger }, signal: AbortSignal | undefined,
  draining: () => boolean): Promise<ProofPass & { deferred?: boolean }> {
  const { custody, store, logger } = deps;
  const tried = new Set<string>();
  const total: ProofPass & { deferred?: boolean } = { proved: 0, failed: [] };
  let prover: DiskProver | undefined; // one helper for the whole pass, started at its first batch
  try {
    return await batches();
  } finally {
    await prover?.close().catch(() => undefined);
  }

  async function batches(): Promise<ProofPass & { deferred?: boolean }> {
    for (;;) {
      if (signal?.aborted) return total;
      const batch = custody.unprovedObjects(BATCH + tried.size).filter((o) => !tried.has(o.sha256)).slice(0, BATCH);
      if (batch.length === 0) return total;
      if (!draining() && batch.length < ALONGSIDE_MIN && batch.reduce((s, o) => s + o.size, 0) < ALONGSIDE_MIN_BYTES) {
        total.deferred = true;
        return total;
      }
      for (const o of batch) tried.add(o.sha256);
      prover ??= new DiskProver({ signal });
      const answers = await prover.prove(batch.map((o) => store.pathFor(o.sha256)));
      const { ok, failed } = judgeProof(batch, answers);
      custody.recordDiskProof(ok, failed);
      total.proved += ok.length;
      total.failed.push(...failed);
      for (const f of failed) {
        logger.error(`disk proof failed for object ${f.sha256}: ${f.reason}`);
        custody.raiseAlert({ kind: 'disk-proof-failed', severity: 'critical',
          message: `stored object ${f.sha256} did not prove from the disk: ${f.reason}; its camera files are not wiped` });
      }
    }
  }
}
