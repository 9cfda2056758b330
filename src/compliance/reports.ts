// The compliance reports as pure functions over custody facts: late uploads per officer and unit,
// interruptions, and the figures an officer is assessed on (考核统计). The CLI fetches the facts
// (src/cli/report.ts) and renders the rows (format.ts).
import type { AlertRow, ComplianceRecording, ComplianceSession, GapRow, OfficerRow } from '../custody/index.js';
import { lateness, correctedStartMs, correctedEndMs, type Rules } from './rules.js';
import { stationDay, type Column } from './format.js';

export interface Facts {
  officers: readonly Pick<OfficerRow, 'badge' | 'name' | 'unit'>[];
  recordings: readonly ComplianceRecording[];
  sessions: readonly ComplianceSession[];
  gaps: readonly GapRow[];
  openAlerts: readonly AlertRow[];
  /** camera → its holder in the roster, to attribute alerts that name only a camera */
  holders: ReadonlyMap<string, string>;
  rules: Rules;
  timezone: string;
  /** only this unit (and its officers) */
  unit?: string | undefined;
  stationUnit: string;
}

const NO_OFFICER = '(none)';
const share = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 1000) / 10);

function unitOf(f: Facts): (badge: string | null) => string {
  const m = new Map(f.officers.map((o) => [o.badge, o.unit ?? f.stationUnit]));
  return (badge) => (badge !== null ? m.get(badge) : undefined) ?? f.stationUnit;
}

export const LATE_COLUMNS: Column[] = [
  { key: 'level', en: 'level', zh: '层级' }, { key: 'unit', en: 'unit', zh: '单位' }, { key: 'badge', en: 'badge', zh: '警号' },
  { key: 'name', en: 'name', zh: '姓名' }, { key: 'recordings', en: 'recordings', zh: '录像数' }, { key: 'late', en: 'late', zh: '超时上传' },
  { key: 'latePercent', en: 'late %', zh: '超时率%' }, { key: 'worstDelayHours', en: 'worst delay h', zh: '最长延迟(小时)' },
];

/** art. 14(1): per officer, then per unit: recordings, late count, share, worst delay. */
export function lateReport(f: Facts): Record<string, unknown>[] {
  const unit = unitOf(f);
  const names = new Map(f.officers.map((o) => [o.badge, o.name]));
  type Acc = { recordings: number; late: number; worst: number };
  const per = new Map<string, Acc>();
  const perUnit = new Map<string, Acc>();
  const add = (m: Map<string, Acc>, k: string, isLate: boolean, delay: number) => {
    const a = m.get(k) ?? { recordings: 0, late: 0, worst: 0 };
    a.recordings += 1;
    if (isLate) { a.late += 1; a.worst = Math.max(a.worst, delay); }
    m.set(k, a);
  };
  for (const r of f.recordings) {
    const u = unit(r.badge);
    if (f.unit && u !== f.unit) continue;
    const l = lateness(r, f.rules.uploadDeadlineHours);
    add(per, r.badge ?? NO_OFFICER, l.late, l.delaySeconds);
    add(perUnit, u, l.late, l.delaySeconds);
  }
  const row = (level: string, u: string, badge: string, a: Acc) => ({
    level, unit: u, badge, name: names.get(badge) ?? '', recordings: a.recordings, late: a.late, latePercent: share(a.late, a.recordings),
    worstDelayHours: a.late ? Math.round((a.worst / 3600) * 10) / 10 : null,
  });
  return [
    ...[...per].sort(([a], [b]) => a.localeCompare(b)).map(([b, a]) => row('officer', unit(b === NO_OFFICER ? null : b), b, a)),
    ...[...perUnit].sort(([a], [b]) => a.localeCompare(b)).map(([u, a]) => row('unit', u, '', a)),
  ];
}

export const GAP_COLUMNS: Column[] = [
  { key: 'id', en: 'gap', zh: '编号' }, { key: 'device', en: 'camera', zh: '记录仪' }, { key: 'badge', en: 'badge', zh: '警号' },
  { key: 'unit', en: 'unit', zh: '单位' }, { key: 'gapStart', en: 'from', zh: '中断开始', time: true }, { key: 'gapEnd', en: 'to', zh: '中断结束', time: true },
  { key: 'gapSeconds', en: 'seconds', zh: '时长(秒)' }, { key: 'status', en: 'status', zh: '状态' }, { key: 'explanation', en: 'explanation', zh: '说明' },
  { key: 'explainedBy', en: 'explained by', zh: '说明人' }, { key: 'reviewedBy', en: 'reviewed by', zh: '审核人' },
];

export function gapsReport(f: Facts): Record<string, unknown>[] {
  const unit = unitOf(f);
  return f.gaps.filter((g) => !f.unit || unit(g.badge) === f.unit).map((g) => ({
    id: g.id, device: g.device, badge: g.badge, unit: unit(g.badge), gapStart: g.gapStart, gapEnd: g.gapEnd, gapSeconds: g.gapSeconds,
    status: g.status, explanation: explanationText(g), explainedBy: g.explainedBy, reviewedBy: g.reviewedBy,
  }));
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

/** The badge an open alert counts against: its session's, its gap's, else its camera's holder. */
function alertBadge(a: AlertRow, f: Facts, sessions: Map<number, ComplianceSession>, gaps: Map<number, GapRow>): string | null {
  const m = /^(session|gap):(\d+)$/.exec(a.subject);
  if (m?.[1] === 'session') return sessions.get(Number(m[2]))?.badge ?? null;
  if (m?.[1] === 'gap') return gaps.get(Number(m[2]))?.badge ?? null;
  if (a.sessionId !== null) { const b = sessions.get(a.sessionId)?.badge; if (b) return b; }
  return a.deviceSerial !== null ? f.holders.get(a.deviceSerial) ?? null : null;
}

/** Per officer of the roster (those in --unit when given). */
export function performanceReport(f: Facts): Record<string, unknown>[] {
  const unit = unitOf(f);
  const sessions = new Map(f.sessions.map((s) => [s.id, s]));
  const gaps = new Map(f.gaps.map((g) => [g.id, g]));
  const officers = f.officers.filter((o) => !f.unit || unit(o.badge) === f.unit);
  return officers.map((o) => {
    const recs = f.recordings.filter((r) => r.badge === o.badge);
    const days = new Set(recs.map((r) => stationDay(new Date(correctedStartMs(r)).toISOString(), f.timezone)));
    const seconds = recs.reduce((s, r) => s + Math.max(0, correctedEndMs(r) - correctedStartMs(r)) / 1000, 0);
    const onTime = recs.filter((r) => !lateness(r, f.rules.uploadDeadlineHours).late).length;
    const docks = new Set(recs.map((r) => r.sessionId).filter((x) => x !== null)).size;
    const g = f.gaps.filter((x) => x.badge === o.badge);
    return {
      badge: o.badge, name: o.name, unit: unit(o.badge), daysOnDuty: days.size, recordings: recs.length,
      hours: Math.round((seconds / 3600) * 100) / 100, docks, onTimePercent: share(onTime, recs.length),
      interruptions: g.length, explained: g.filter((x) => x.status !== 'open').length, approved: g.filter((x) => x.status === 'approved').length,
      openAlerts: f.openAlerts.filter((a) => alertBadge(a, f, sessions, gaps) === o.badge).length,
    };
  });
}
