// The compliance reports: late uploads per officer and unit, interruptions, and the figures an
// officer is assessed on (考核统计). Recordings are aggregated in SQL (src/custody/ledger.ts) per
// attributed officer — the camera's holder at the recording's clock-corrected time — never loaded
// one by one; what is left here is per officer and per unit (a few hundred rows).
import type { AlertRow, Custody, GapRow, OfficerAggregate, OfficerRow } from '../custody/index.js';
import type { Rules } from './rules.js';
import { offsetMinutes, type Column } from './format.js';

/** What a report is computed over, and what the acting person may see. */
export interface ReportScope {
  custody: Custody;
  rules: Rules;
  timezone: string;
  stationUnit: string;
  /** [from, to) on the clock-corrected recording start, ISO-8601 (null: open) */
  from: string | null;
  to: string | null;
  /** only this unit (and its officers, cameras) */
  unit?: string | undefined;
  /** may the acting person see this officer's records (null: no officer) / this unit's equipment */
  seesOfficer: (badge: string | null) => boolean;
  seesUnit: (unit: string) => boolean;
  now: Date;
}

export const msOf = (iso: string | null) => (iso === null ? null : Date.parse(iso));
/** The station's zone as ms east of UTC (for SQL's day numbers). */
export const dayOffsetMs = (s: Pick<ReportScope, 'timezone' | 'now'>) => offsetMinutes(s.timezone, s.now) * 60_000;

export interface Officers { all: Pick<OfficerRow, 'badge' | 'name' | 'unit' | 'roles' | 'active'>[]; name: (b: string | null) => string; unit: (b: string | null) => string }

export function officersOf(s: ReportScope): Officers {
  const all = s.custody.getRoster().officers;
  const m = new Map(all.map((o) => [o.badge, o]));
  return { all, name: (b) => (b !== null ? m.get(b)?.name : undefined) ?? '', unit: (b) => (b !== null ? m.get(b)?.unit : undefined) ?? s.stationUnit };
}

const NO_OFFICER = '(none)';
export const share = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 1000) / 10);

function aggregates(s: ReportScope): OfficerAggregate[] {
  return s.custody.ledger.officerAggregates({
    fromMs: msOf(s.from), toMs: msOf(s.to), deadlineMs: s.rules.uploadDeadlineHours * 3_600_000, dayOffsetMs: dayOffsetMs(s),
  });
}

export const LATE_COLUMNS: Column[] = [
  { key: 'level', en: 'level', zh: '层级' }, { key: 'unit', en: 'unit', zh: '单位' }, { key: 'badge', en: 'badge', zh: '警号' },
  { key: 'name', en: 'name', zh: '姓名' }, { key: 'recordings', en: 'recordings', zh: '录像数' }, { key: 'late', en: 'late', zh: '超时上传' },
  { key: 'latePercent', en: 'late %', zh: '超时率%' }, { key: 'worstDelayHours', en: 'worst delay h', zh: '最长延迟(小时)' },
];

/** art. 14(1): per officer, then per unit: recordings, late count, share, worst delay. */
export function lateReport(s: ReportScope): Record<string, unknown>[] {
  const o = officersOf(s);
  type Acc = { recordings: number; late: number; worst: number };
  const perUnit = new Map<string, Acc>();
  const officers = aggregates(s).filter((a) => s.seesOfficer(a.officer) && (!s.unit || o.unit(a.officer) === s.unit));
  for (const a of officers) {
    const u = perUnit.get(o.unit(a.officer)) ?? { recordings: 0, late: 0, worst: 0 };
    u.recordings += a.recordings;
    u.late += a.late;
    u.worst = Math.max(u.worst, a.worstDelayMs ?? 0);
    perUnit.set(o.unit(a.officer), u);
  }
  const row = (level: string, unit: string, badge: string, a: Acc) => ({
    level, unit, badge, name: o.name(badge), recordings: a.recordings, late: a.late, latePercent: share(a.late, a.recordings),
    worstDelayHours: a.late ? Math.round((a.worst / 3_600_000) * 10) / 10 : null,
  });
  const key = (b: string | null) => b ?? NO_OFFICER;
  return [
    ...officers.sort((x, y) => key(x.officer).localeCompare(key(y.officer)))
      .map((a) => row('officer', o.unit(a.officer), key(a.officer), { recordings: a.recordings, late: a.late, worst: a.worstDelayMs ?? 0 })),
    ...[...perUnit].sort(([x], [y]) => x.localeCompare(y)).map(([u, a]) => row('unit', u, '', a)),
  ];
}

export const GAP_COLUMNS: Column[] = [
  { key: 'id', en: 'gap', zh: '编号' }, { key: 'device', en: 'camera', zh: '记录仪' }, { key: 'badge', en: 'badge', zh: '警号' },
  { key: 'unit', en: 'unit', zh: '单位' }, { key: 'gapStart', en: 'from', zh: '中断开始', time: true }, { key: 'gapEnd', en: 'to', zh: '中断结束', time: true },
  { key: 'gapSeconds', en: 'seconds', zh: '时长(秒)' }, { key: 'status', en: 'status', zh: '状态' }, { key: 'explanation', en: 'explanation', zh: '说明' },
  { key: 'explainedBy', en: 'explained by', zh: '说明人' }, { key: 'reviewedBy', en: 'reviewed by', zh: '审核人' },
];

/** Interruptions whose gap starts in [from, to), counted against the camera's holder at the recording before the gap. */
export function gapsReport(s: ReportScope): Record<string, unknown>[] {
  const o = officersOf(s);
  const officerOf = s.custody.ledger.gapOfficers();
  return scopedGaps(s, officerOf).map(({ g, badge }) => ({
    id: g.id, device: g.device, badge, unit: o.unit(badge), gapStart: g.gapStart, gapEnd: g.gapEnd, gapSeconds: g.gapSeconds,
    status: g.status, explanation: explanationText(g), explainedBy: g.explainedBy, reviewedBy: g.reviewedBy,
  }));
}

function scopedGaps(s: ReportScope, officerOf: Map<number, string | null>): { g: GapRow; badge: string | null }[] {
  const o = officersOf(s);
  const inRange = (iso: string) => (s.from === null || iso >= s.from) && (s.to === null || iso < s.to);
  return s.custody.gaps.listGaps()
    .map((g) => ({ g, badge: officerOf.get(g.id) ?? g.badge }))
    .filter(({ g, badge }) => inRange(g.gapStart) && s.seesOfficer(badge) && (!s.unit || o.unit(badge) === s.unit));
}

export function explanationText(g: Pick<GapRow, 'explanation'>): string | null {
  const e = g.explanation;
  if (!e) return null;
  if (e.kind === 'voice') return `voice note: recording ${e.recording ?? '?'}`;
  return `${e.text ?? ''}${e.attachment ? ` [attachment ${e.attachment.name} sha256 ${e.attachment.sha256.slice(0, 12)}…]` : ''}`;
}

export const PERFORMANCE_COLUMNS: Column[] = [
  { key: 'badge', en: 'badge', zh: '警号' }, { key: 'name', en: 'name', zh: '姓名' }, { key: 'unit', en: 'unit', zh: '单位' },
  { key: 'daysOnDuty', en: 'days with camera', zh: '执勤天数' }, { key: 'recordings', en: 'recordings', zh: '录像数' },
  { key: 'hours', en: 'hours', zh: '时长(小时)' }, { key: 'docks', en: 'docks', zh: '上传次数' },
  { key: 'onTimePercent', en: 'on time %', zh: '按时上传率%' }, { key: 'interruptions', en: 'interruptions', zh: '中断' },
  { key: 'explained', en: 'explained', zh: '已说明' }, { key: 'approved', en: 'approved', zh: '已审核通过' }, { key: 'openAlerts', en: 'open alerts', zh: '未处理告警' },
];

const SUBJECT = /^(session|gap):(\d+)/;

/** The badge an open alert counts against: its session's, its gap's, else its camera's current holder. */
function alertBadge(a: AlertRow, sessions: Map<number, string | null>, gapBadge: Map<number, string | null>, holders: Map<string, string | null>): string | null {
  const m = SUBJECT.exec(a.subject);
  if (m?.[1] === 'session') return sessions.get(Number(m[2])) ?? null;
  if (m?.[1] === 'gap') return gapBadge.get(Number(m[2])) ?? null;
  if (a.sessionId !== null) { const b = sessions.get(a.sessionId); if (b) return b; }
  return a.deviceSerial !== null ? holders.get(a.deviceSerial) ?? null : null;
}

/** Per officer of the roster (those in --unit when given). */
export function performanceReport(s: ReportScope): Record<string, unknown>[] {
  const o = officersOf(s);
  const per = new Map(aggregates(s).map((a) => [a.officer, a]));
  const officerOf = s.custody.ledger.gapOfficers();
  const gaps = scopedGaps(s, officerOf);
  const gapBadge = new Map([...officerOf].map(([id, b]) => [id, b]));
  const holders = new Map(s.custody.ledger.listLedgerDevices().map((d) => [d.serial, d.holder]));
  const alerts = new Map<string, number>();
  const open = s.custody.listAlerts({ open: true });
  const sessionIds = open.flatMap((a) => { const m = SUBJECT.exec(a.subject); return [...(m?.[1] === 'session' ? [Number(m[2])] : []), ...(a.sessionId !== null ? [a.sessionId] : [])]; });
  const sessions = s.custody.ledger.sessionBadges([...new Set(sessionIds)]);
  for (const a of open) {
    const b = alertBadge(a, sessions, gapBadge, holders);
    if (b !== null) alerts.set(b, (alerts.get(b) ?? 0) + 1);
  }
  const officers = o.all.filter((x) => x.active && s.seesOfficer(x.badge) && (!s.unit || o.unit(x.badge) === s.unit));
  return officers.map((x) => {
    const a = per.get(x.badge);
    const g = gaps.filter((y) => y.badge === x.badge).map((y) => y.g);
    const recordings = a?.recordings ?? 0;
    return {
      badge: x.badge, name: x.name, unit: o.unit(x.badge), daysOnDuty: a?.days ?? 0, recordings,
      hours: Math.round(((a?.seconds ?? 0) / 3600) * 100) / 100, docks: a?.docks ?? 0, onTimePercent: share(recordings - (a?.late ?? 0), recordings),
      interruptions: g.length, explained: g.filter((y) => y.status !== 'open').length, approved: g.filter((y) => y.status === 'approved').length,
      openAlerts: alerts.get(x.badge) ?? 0,
    };
  });
}
