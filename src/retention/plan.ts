// The retention plan and the run's decisions, as pure functions over the custody facts.
import { addDays } from './dates.js';
import { isCategory, retentionFor, type Category, type RetentionPeriods } from './rules.js';
import type { Zone } from './dates.js';

export interface PlanFacts {
  id: number; sha256: string; size: number; recordedAt: string; ingestedAt: string;
  cls: { category: string; keepUntil: string | null } | undefined;
  cases: { no: string; openedAt: string; closedAt: string | null }[];
  holds: { id: number; reason: string }[];
  sharedWith: number[]; documentsShare: boolean;
  discs: { label: string; verified: boolean }[];
  grace: { purgeAfter: string } | undefined;
}

export interface PlanEntry {
  recordingId: number;
  sha256: string;
  size: number;
  category: Category;
  rule: string;
  keepUntil: string | null;
  /** Past its keepUntil and nothing blocks the recording's deletion. */
  due: boolean;
  /**
   * What keeps it (hold, open case, no verified disc) — and "object shared with …", which keeps
   * only the stored object: the recording row may still go, the bytes stay for the other.
   */
  blockedBy: string[];
  /** In the grace period until then (null: not in it). */
  graceUntil: string | null;
}

export interface PlanOptions { periods?: Partial<RetentionPeriods>; zone?: Zone; defaultCategory?: Category }

export function categoryOf(f: Pick<PlanFacts, 'cls'>, fallback: Category = 'routine'): Category {
  const c = f.cls?.category;
  return c !== undefined && isCategory(c) ? c : fallback;
}

export function planEntry(f: PlanFacts, now: string, opts: PlanOptions = {}): PlanEntry {
  const category = categoryOf(f, opts.defaultCategory);
  const d = retentionFor({ recordedAt: f.recordedAt, ingestedAt: f.ingestedAt, category, until: f.cls?.keepUntil ?? null, cases: f.cases },
    opts.periods, opts.zone);
  const blockedBy: string[] = [];
  for (const h of f.holds) blockedBy.push(`hold ${h.id}: ${h.reason}`);
  for (const c of f.cases) if (c.closedAt === null) blockedBy.push(`case ${c.no} open`);
  if (category === 'major' && !f.discs.some((x) => x.verified)) {
    blockedBy.push(f.discs.length ? `no verified disc (on image ${f.discs.map((x) => x.label).join(', ')}, not burned and verified)` : 'no verified disc');
  }
  const recordingBlocked = blockedBy.length > 0;
  if (f.sharedWith.length) blockedBy.push(`object shared with live recording ${f.sharedWith.join(', ')} (object kept)`);
  if (f.documentsShare) blockedBy.push('object shared with a case document (object kept)');
  const due = !recordingBlocked && d.keepUntil !== null && Date.parse(now) >= Date.parse(d.keepUntil);
  return {
    recordingId: f.id, sha256: f.sha256, size: f.size, category, rule: d.rule, keepUntil: d.keepUntil, due, blockedBy,
    graceUntil: f.grace?.purgeAfter ?? null,
  };
}

export type RunAction =
  | { kind: 'grace'; purgeAfter: string }
  | { kind: 'purge' }
  | { kind: 'ungrace'; why: string }
  | { kind: 'wait' }
  | { kind: 'keep' };

/** What a run does with one entry: due → grace; due and past grace → purge; no longer due → out of grace. */
export function runAction(e: PlanEntry, now: string, graceDays: number): RunAction {
  if (!e.due) return e.graceUntil !== null ? { kind: 'ungrace', why: e.blockedBy[0] ?? `kept until ${e.keepUntil ?? 'further notice'} (${e.rule})` } : { kind: 'keep' };
  if (e.graceUntil === null) return { kind: 'grace', purgeAfter: addDays(now, graceDays) };
  return Date.parse(now) >= Date.parse(e.graceUntil) ? { kind: 'purge' } : { kind: 'wait' };
}

/** When a plan entry will be purged at the earliest (for the weekly digest), or null. */
export function purgeDate(e: PlanEntry, now: string, graceDays: number): string | null {
  if (e.graceUntil !== null) return e.graceUntil;
  if (e.keepUntil === null || e.blockedBy.some((b) => !b.includes('(object kept)'))) return null;
  const start = Date.parse(e.keepUntil) > Date.parse(now) ? e.keepUntil : now;
  return addDays(start, graceDays);
}
