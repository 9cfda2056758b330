// The lock each object must carry, from the retention facts of the recordings naming it.
import { retention as repo, type Custody } from '../../custody/index.js';
import type { Config } from '../../config/schema.js';
import { planEntry } from '../../retention/plan.js';
import { planOptions } from '../../retention/service.js';
import { lockTarget, type LockSubject, type LockTarget } from './rules.js';

export interface Targets {
  subjects(sha256: string): LockSubject[];
  target(sha256: string, storedAt: string): LockTarget;
}

/** One snapshot of the retention facts, grouped by object. */
export function lockTargets(custody: Custody, config: Pick<Config, 'retention' | 'timezone'>, now: string): Targets {
  const opts = planOptions(config);
  const bySha = new Map<string, LockSubject[]>();
  for (const f of repo.retentionFacts(custody.ctx())) {
    const e = planEntry(f, now, opts);
    const s: LockSubject = {
      recordedAt: f.recordedAt, ingestedAt: f.ingestedAt, category: e.category, keepUntil: e.keepUntil,
      held: f.holds.length > 0, verifiedDisc: f.discs.some((d) => d.verified),
    };
    bySha.set(f.sha256, [...(bySha.get(f.sha256) ?? []), s]);
  }
  return {
    subjects: (h) => bySha.get(h) ?? [],
    target: (h, storedAt) => lockTarget(bySha.get(h) ?? [], storedAt, opts.periods, opts.zone),
  };
}
