// Local pruning (issue 14, opt-in upstream.pruneLocal): a local copy goes only once the bucket holds
// the object locked (COMPLIANCE until at least the floor, legal hold when due), its bytes read back
// hash to the key, and the station's rules allow (pruneVerdict). Custody notes it first (audited:
// where the object lives now), then the store drops the file. The recording row stays.
import { upstreamObjects as q } from '../../custody/index.js';
import { offloadObject } from '../../store/index.js';
import { lockTargets } from './targets.js';
import { pruneVerdict } from './rules.js';
import type { ObjectUpstreamEnv } from './worker.js';

export interface PruneResult { pruned: string[]; kept: { sha256: string; why: string }[]; bytesFreed: number; dryRun: boolean }

export async function pruneLocal(env: ObjectUpstreamEnv, opts: { dryRun?: boolean; signal?: AbortSignal } = {}): Promise<PruneResult> {
  const ctx = env.custody.ctx();
  const now = (env.now ?? (() => new Date()))().toISOString();
  const targets = lockTargets(env.custody, env.config, now);
  const res: PruneResult = { pruned: [], kept: [], bytesFreed: 0, dryRun: opts.dryRun === true };
  for (const u of q.listUpstream(ctx)) {
    if (opts.signal?.aborted) break;
    if (!env.store.has(u.sha256)) continue;
    if (u.prunedAt !== null) { // noted before a crash, file still here: finish it
      if (!res.dryRun) res.bytesFreed += await offloadObject(env.store, u.sha256);
      continue;
    }
    const target = targets.target(u.sha256, u.storedAt);
    const subjects = targets.subjects(u.sha256);
    const h = await env.bucket.head(u.sha256, u.versionId, opts.signal);
    // The full read-back is the costly part: only when everything else already allows it.
    const pre = pruneVerdict(u.sha256, u.size, { ...(h ?? { mode: undefined, retainUntil: undefined, legalHold: false, metaSha256: undefined, size: undefined }), rehash: u.sha256 }, target, subjects);
    if (!pre.ok) { res.kept.push({ sha256: u.sha256, why: pre.why }); continue; }
    const rehash = await env.bucket.rehash(u.sha256, u.versionId, opts.signal);
    const v = pruneVerdict(u.sha256, u.size, { ...h!, rehash }, target, subjects);
    if (!v.ok) { res.kept.push({ sha256: u.sha256, why: v.why }); continue; }
    if (res.dryRun) { res.pruned.push(u.sha256); res.bytesFreed += u.size; continue; }
    q.markPruned(ctx, u.sha256, { bucket: u.bucket, versionId: u.versionId, retainUntil: h!.retainUntil!, legalHold: h!.legalHold, rehashed: rehash });
    res.bytesFreed += await offloadObject(env.store, u.sha256);
    res.pruned.push(u.sha256);
  }
  return res;
}
