// The regulation's retention rules (art. 14(2); ARCHITECTURE §2 invariant 5) as pure functions.
// keepUntil === null means "kept until something changes" (an open case, a major incident).
import { addMonths, laterOf, type Zone } from './dates.js';

export const CATEGORIES = ['routine', 'case', 'major', 'other'] as const;
export type Category = (typeof CATEGORIES)[number];

export const STAGES = ['程序启动', '调查', '取证', '审查', '陈述申辩', '听证', '决定', '送达', '执行'] as const;
export type Stage = (typeof STAGES)[number];

/** The regulation's floors. The YAML may lengthen each (config schema enforces the minimum). */
export const FLOORS = { routineMonths: 3, caseAfterCloseMonths: 3, caseMinMonths: 6, otherMinMonths: 3 } as const;
export type RetentionPeriods = { [K in keyof typeof FLOORS]: number };

export interface CaseState { no: string; openedAt: string; closedAt: string | null }

export interface RetentionSubject {
  /** The recording's (clock-corrected) start. */
  recordedAt: string;
  /** When it entered custody: a camera clock set in the past must not shorten retention. */
  ingestedAt: string;
  category: Category;
  /** 'other': the length decided for it. */
  until: string | null;
  /** Every case the recording is linked to (any category: footage in a case stays with the case). */
  cases: CaseState[];
}

export interface RetentionDecision { keepUntil: string | null; rule: string }

/** Periods never below the floors, whatever the caller passes. */
export function withFloors(p: Partial<RetentionPeriods> = {}): RetentionPeriods {
  return {
    routineMonths: Math.max(FLOORS.routineMonths, p.routineMonths ?? 0),
    caseAfterCloseMonths: Math.max(FLOORS.caseAfterCloseMonths, p.caseAfterCloseMonths ?? 0),
    caseMinMonths: Math.max(FLOORS.caseMinMonths, p.caseMinMonths ?? 0),
    otherMinMonths: Math.max(FLOORS.otherMinMonths, p.otherMinMonths ?? 0),
  };
}

function basis(s: RetentionSubject): string {
  return Date.parse(s.ingestedAt) > Date.parse(s.recordedAt) ? s.ingestedAt : s.recordedAt;
}

function categoryRule(s: RetentionSubject, p: RetentionPeriods, zone: Zone): RetentionDecision {
  const from = basis(s);
  switch (s.category) {
    case 'routine':
      return { keepUntil: addMonths(from, p.routineMonths, zone), rule: `routine: ${p.routineMonths} months from recording` };
    case 'major':
      return { keepUntil: null, rule: 'major: archived to disc, kept long-term' };
    case 'other': {
      const floor = addMonths(from, p.otherMinMonths, zone);
      if (s.until !== null && Date.parse(s.until) > Date.parse(floor)) return { keepUntil: s.until, rule: 'other: until the date decided' };
      return { keepUntil: floor, rule: `other: at least ${p.otherMinMonths} months from recording` };
    }
    case 'case':
      if (s.cases.length === 0) return { keepUntil: null, rule: 'case: no case linked yet' };
      return { keepUntil: addMonths(from, p.caseMinMonths, zone), rule: `case: at least ${p.caseMinMonths} months from recording` };
  }
}

function caseRule(s: RetentionSubject, p: RetentionPeriods, zone: Zone): RetentionDecision | undefined {
  if (s.cases.length === 0) return undefined;
  const open = s.cases.filter((c) => c.closedAt === null);
  if (open.length > 0) return { keepUntil: null, rule: `case: ${open.map((c) => c.no).join(', ')} open` };
  let best: RetentionDecision | undefined;
  for (const c of s.cases) {
    const afterClose = addMonths(c.closedAt!, p.caseAfterCloseMonths, zone);
    const min = addMonths(basis(s), p.caseMinMonths, zone);
    const d = Date.parse(afterClose) >= Date.parse(min)
      ? { keepUntil: afterClose, rule: `case: ${c.no} closed + ${p.caseAfterCloseMonths} months` }
      : { keepUntil: min, rule: `case: ${c.no}, at least ${p.caseMinMonths} months from recording` };
    if (!best || Date.parse(d.keepUntil) > Date.parse(best.keepUntil!)) best = d;
  }
  return best;
}

/** How long a recording must be kept, and by which rule: the longest rule that applies wins. */
export function retentionFor(s: RetentionSubject, periods: Partial<RetentionPeriods> = {}, zone: Zone = 'local'): RetentionDecision {
  const p = withFloors(periods);
  const byCategory = categoryRule(s, p, zone);
  const byCase = caseRule(s, p, zone);
  if (!byCase) return byCategory;
  const later = laterOf(byCategory.keepUntil, byCase.keepUntil);
  if (later === null) return byCategory.keepUntil === null ? byCategory : byCase;
  return later === byCase.keepUntil && later !== byCategory.keepUntil ? byCase : byCategory;
}

/** True when `next` would let the recording go sooner than `current` (null = never). */
export function shortens(current: string | null, next: string | null): boolean {
  if (next === null) return false;
  if (current === null) return true;
  return Date.parse(next) < Date.parse(current);
}

export function isCategory(v: string): v is Category {
  return (CATEGORIES as readonly string[]).includes(v);
}

export function isStage(v: string): v is Stage {
  return (STAGES as readonly string[]).includes(v);
}

/** 普通 → 0, 1–5 → 1–5 (the importance mark of art. 14; "1级" accepted too). */
export function parseImportance(v: string): number | undefined {
  const s = v.trim();
  if (s === '普通' || s === '0' || s.toLowerCase() === 'normal') return 0;
  const m = /^([1-5])(级|级重要)?$/.exec(s);
  return m ? Number(m[1]) : undefined;
}
