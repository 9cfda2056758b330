// Retention services: classify, plan, run (grace, then purge), restore. Rules come from rules.ts
// and plan.ts; every write goes through custody (SQL) and the store (object files).
import type { Config } from '../config/schema.js';
import { type Custody, retention as repo, cases as caseRepo } from '../custody/index.js';
import { retireObject, sweepRetired, type ObjectStore } from '../store/index.js';
import { actorLabel, NotPermittedError, type Actor } from './actor.js';
import { planEntry, purgeDate, runAction, type PlanEntry, type PlanOptions } from './plan.js';
import { isCategory, retentionFor, shortens, type Category } from './rules.js';
import { startOfDayAfter } from './dates.js';

export interface RetentionEnv {
  custody: Custody;
  store: ObjectStore;
  config: Pick<Config, 'retention' | 'timezone'>;
  now?: () => Date;
}

export class RetentionUsageError extends Error {
  readonly exitCode = 2;
}

const nowOf = (env: RetentionEnv) => (env.now ?? (() => new Date()))().toISOString();

export function planOptions(config: RetentionEnv['config']): PlanOptions {
  const r = config.retention;
  return {
    periods: { routineMonths: r.routineMonths, caseAfterCloseMonths: r.caseAfterCloseMonths, caseMinMonths: r.caseMinMonths, otherMinMonths: r.otherMinMonths },
    zone: config.timezone, defaultCategory: r.defaultCategory,
  };
}

export function planRetention(env: RetentionEnv, ids?: number[]): PlanEntry[] {
  const now = nowOf(env);
  const opts = planOptions(env.config);
  return repo.retentionFacts(env.custody.ctx(), ids).map((f) => planEntry(f, now, opts));
}

export interface ClassifyInput { category: string; caseNo?: string | undefined; until?: string | undefined; importance?: number | undefined }
export interface ClassifyResult { recordingId: number; from: { category: Category; keepUntil: string | null }; to: { category: Category; keepUntil: string | null; rule: string } }

/**
 * Sets category (and importance, case, until). Any change that would let a recording go sooner
 * is refused for all of them before anything is written (NotPermittedError, exit 4).
 */
export function classify(env: RetentionEnv, actor: Actor, ids: number[], input: ClassifyInput): ClassifyResult[] {
  if (!isCategory(input.category)) throw new RetentionUsageError(`--category must be routine, case, major or other, got ${JSON.stringify(input.category)}`);
  const category = input.category;
  if (input.until !== undefined && category !== 'other') throw new RetentionUsageError('--until applies only to --category other');
  if (category === 'other' && input.until === undefined) throw new RetentionUsageError('--category other needs --until DATE (kept at least 3 months anyway)');
  if (ids.length === 0) throw new RetentionUsageError('name at least one recording');
  const ctx = env.custody.ctx(actorLabel(actor));
  const now = nowOf(env);
  const opts = planOptions(env.config);
  let linkCase: { no: string; openedAt: string; closedAt: string | null } | undefined;
  if (input.caseNo !== undefined) {
    const c = caseRepo.getCase(ctx, input.caseNo);
    if (!c) throw new RetentionUsageError(`no case ${input.caseNo} (evidock case open ${input.caseNo} --title …)`);
    linkCase = { no: c.no, openedAt: c.openedAt, closedAt: c.closedAt };
  }
  const until = input.until === undefined ? null : startOfDayAfter(input.until, env.config.timezone);
  const facts = repo.retentionFacts(ctx, ids);
  const missing = ids.filter((id) => !facts.some((f) => f.id === id));
  if (missing.length) throw new RetentionUsageError(`no recording ${missing.join(', ')}`);
  const changes = facts.map((f) => {
    const before = planEntry(f, now, opts);
    const cases = linkCase && !f.cases.some((c) => c.no === linkCase.no) ? [...f.cases, linkCase] : f.cases;
    if (category === 'case' && cases.length === 0) throw new RetentionUsageError(`recording ${f.id}: --category case needs --case NO`);
    const after = retentionFor({ recordedAt: f.recordedAt, ingestedAt: f.ingestedAt, category, until, cases }, opts.periods, opts.zone);
    if (until !== null && !after.rule.includes('decided') && after.keepUntil !== null && Date.parse(until) < Date.parse(after.keepUntil)) {
      throw new NotPermittedError(`recording ${f.id}: --until ${input.until} is before the floor (${after.rule}: ${after.keepUntil})`);
    }
    if (shortens(before.keepUntil, after.keepUntil)) {
      throw new NotPermittedError(`recording ${f.id}: ${before.category} → ${category} would shorten retention from `
        + `${before.keepUntil ?? 'indefinitely'} (${before.rule}) to ${after.keepUntil} (${after.rule}); retention may only be lengthened`);
    }
    return { f, before, after };
  });
  const out: ClassifyResult[] = [];
  env.custody.transaction(() => {
    for (const { f, before, after } of changes) {
      if (linkCase) caseRepo.linkRecordings(ctx, linkCase.no, [f.id], '');
      repo.setClass(ctx, f.id, { category, importance: input.importance ?? f.cls?.importance ?? 0, keepUntil: until, caseNo: input.caseNo },
        { category: before.category, importance: f.cls?.importance ?? 0, keepUntil: f.cls?.keepUntil ?? null, effectiveKeepUntil: before.keepUntil },
        after.keepUntil);
      out.push({ recordingId: f.id, from: { category: before.category, keepUntil: before.keepUntil }, to: { category, keepUntil: after.keepUntil, rule: after.rule } });
    }
  });
  return out;
}

export interface RunResult {
  graced: number; purged: number; bytesFreed: number; kept: number;
  restoredFromGrace: number; dryRun: boolean;
  /** Purges that failed (the run went on with the rest). */
  errors: string[];
  actions: { recordingId: number; action: string; detail?: string }[];
}

/** One retention run: due → grace; past grace → purge (tombstone, object retired); no longer due → out of grace. */
export async function runRetention(env: RetentionEnv, actor: Actor, opts: { dryRun?: boolean } = {}): Promise<RunResult> {
  const ctx = env.custody.ctx(actorLabel(actor));
  const dryRun = opts.dryRun === true;
  if (!dryRun) {
    await sweepRetired(env.store, (h) => repo.objectNamed(ctx, h));
    repo.assignDefaultCategory(ctx, env.config.retention.defaultCategory);
  }
  const now = nowOf(env);
  const res: RunResult = { graced: 0, purged: 0, bytesFreed: 0, kept: 0, restoredFromGrace: 0, dryRun, errors: [], actions: [] };
  for (const e of planRetention(env)) {
    const a = runAction(e, now, env.config.retention.graceDays);
    switch (a.kind) {
      case 'keep': case 'wait':
        res.kept++;
        break;
      case 'ungrace':
        res.restoredFromGrace++; res.kept++;
        res.actions.push({ recordingId: e.recordingId, action: 'left grace', detail: a.why });
        if (!dryRun) repo.leaveGrace(ctx, e.recordingId, a.why, 'retention.grace.cancelled');
        break;
      case 'grace':
        if (!dryRun && !repo.enterGrace(ctx, e.recordingId, a.purgeAfter, e.rule, e.keepUntil!)) { res.kept++; break; } // a concurrent run graced it
        res.graced++;
        res.actions.push({ recordingId: e.recordingId, action: 'graced', detail: `purge after ${a.purgeAfter}` });
        break;
      case 'purge': {
        res.purged++;
        if (dryRun) {
          if (!e.blockedBy.length) res.bytesFreed += e.size;
          res.actions.push({ recordingId: e.recordingId, action: 'purge', detail: e.rule });
          break;
        }
        let p;
        try {
          p = repo.purgeRecording(ctx, e.recordingId, { category: e.category, rule: e.rule, keepUntil: e.keepUntil! });
        } catch (err) {
          // One recording that cannot go (e.g. another table still refers to it) must not stop the rest.
          res.purged--; res.kept++;
          res.errors.push(`recording ${e.recordingId}: ${(err as Error).message}`);
          res.actions.push({ recordingId: e.recordingId, action: 'purge failed', detail: (err as Error).message });
          break;
        }
        if (p.objectRemoved) res.bytesFreed += await retireObject(env.store, p.sha256);
        res.actions.push({ recordingId: e.recordingId, action: 'purged', detail: p.objectRemoved ? 'object removed' : 'object kept (shared)' });
        break;
      }
    }
  }
  if (!dryRun) {
    env.custody.appendAudit('retention.run', { graced: res.graced, purged: res.purged, bytesFreed: res.bytesFreed, kept: res.kept, errors: res.errors }, actorLabel(actor));
  }
  return res;
}

export function restoreRecording(env: RetentionEnv, actor: Actor, id: number, reason: string): boolean {
  return repo.leaveGrace(env.custody.ctx(actorLabel(actor)), id, reason || 'restored', 'retention.restored');
}

export interface DigestEntry { recordingId: number; sha256: string; category: string; rule: string; purgeOn: string }

/** What will be purged within `days` (default 7): the weekly digest. */
export function purgeDigest(env: RetentionEnv, days = 7): DigestEntry[] {
  const now = nowOf(env);
  const horizon = Date.parse(now) + days * 86_400_000;
  const out: DigestEntry[] = [];
  for (const e of planRetention(env)) {
    const when = purgeDate(e, now, env.config.retention.graceDays);
    if (when !== null && Date.parse(when) <= horizon) out.push({ recordingId: e.recordingId, sha256: e.sha256, category: e.category, rule: e.rule, purgeOn: when });
  }
  return out.sort((a, b) => a.purgeOn.localeCompare(b.purgeOn) || a.recordingId - b.recordingId);
}

export { NotPermittedError };
