// The custodian's reports (issue 10): the ledger (台账) per camera, allocation per unit (art. 6),
// faults, repairs and losses with liabilities (art. 16–17), and one officer's file (一人一档).
// Recordings are aggregated in SQL (src/custody/ledger.ts); handovers and lifecycle events are
// few and grouped here.
import type { HandoverRow, LedgerDeviceRow } from '../custody/index.js';
import { stationDay, stationTime, type Column, type Lang } from '../compliance/format.js';
import { dayOffsetMs, msOf, officersOf, share, type ReportScope } from '../compliance/reports.js';
import { dockedAway, yuan } from './rules.js';

export interface Holding { badge: string | null; from: string | null; to: string | null }
type HandoverLite = Pick<HandoverRow, 'id' | 'serial' | 'badge' | 'atMs' | 'source'>;

const iso = (ms: number) => new Date(ms).toISOString();

/** A camera's holdings as intervals [from, to) (from null: since the roster named the holder; to null: still held). */
export function holdings(history: readonly HandoverLite[]): Holding[] {
  const sorted = [...history].sort((a, b) => a.atMs - b.atMs || a.id - b.id);
  const out: Holding[] = [];
  sorted.forEach((h, i) => {
    if (h.badge === null) return;
    const next = sorted.slice(i + 1).find((x) => x.atMs >= h.atMs);
    out.push({ badge: h.badge, from: h.atMs === 0 && h.source === 'roster' ? null : iso(h.atMs), to: next ? iso(next.atMs) : null });
  });
  // A holding ended by a handover at the same moment lasts no time: not a holding.
  return out.filter((x) => x.from === null || x.to === null || x.to > x.from);
}

function byCamera(rows: readonly HandoverLite[]): Map<string, HandoverLite[]> {
  const m = new Map<string, HandoverLite[]>();
  for (const h of rows) (m.get(h.serial) ?? m.set(h.serial, []).get(h.serial)!).push(h);
  return m;
}

const overlaps = (h: Holding, from: string | null, to: string | null) => (to === null || h.from === null || h.from < to) && (from === null || h.to === null || h.to > from);

const L = (lang: Lang, en: string, zh: string) => (lang === 'zh' ? zh : en);

function holdingsText(v: unknown, o: { lang: Lang; timezone: string }): string {
  const t = (x: string | null, open: string) => (x === null ? open : stationTime(x, o.timezone).slice(0, 16));
  return ((v as Holding[] | null) ?? []).map((h) => `${h.badge} ${t(h.from, L(o.lang, 'roster', '名册'))} → ${t(h.to, L(o.lang, 'now', '至今'))}`).join('; ');
}

interface StatusChange { at: string; kind: string; to: string; by: string; note: string | null }
function changesText(v: unknown, o: { lang: Lang; timezone: string }): string {
  return ((v as StatusChange[] | null) ?? []).map((c) => `${stationTime(c.at, o.timezone).slice(0, 16)} ${c.kind} → ${c.to} (${c.by}${c.note ? `: ${c.note}` : ''})`).join('; ');
}

export const LEDGER_COLUMNS: Column[] = [
  { key: 'serial', en: 'camera', zh: '记录仪编号' }, { key: 'model', en: 'model', zh: '型号' }, { key: 'unit', en: 'unit', zh: '单位' },
  { key: 'status', en: 'status', zh: '状态' }, { key: 'price', en: 'price (yuan)', zh: '原价(元)' }, { key: 'holder', en: 'holder now', zh: '当前领用人' },
  { key: 'holders', en: 'holders (handover times)', zh: '领用记录', text: holdingsText },
  { key: 'docks', en: 'docks', zh: '上传次数' }, { key: 'lastDock', en: 'last dock', zh: '最近上传', time: true },
  { key: 'files', en: 'files', zh: '文件数' }, { key: 'megabytes', en: 'MB', zh: '容量(MB)' }, { key: 'hours', en: 'hours', zh: '时长(小时)' },
  { key: 'statusChanges', en: 'status changes', zh: '状态变更', text: changesText },
  { key: 'lentNoHolder', en: 'recorded without holder', zh: '无领用人录像' }, { key: 'lentOtherBadge', en: 'recorded by another badge', zh: '非领用人录像' },
  { key: 'dockedAway', en: 'docked at another unit', zh: '在他单位上传' },
];

/** Per camera (every camera in the ledger, and any other that recorded in the range). */
export function ledgerReport(s: ReportScope): Record<string, unknown>[] {
  const c = s.custody.ledger;
  const devices = new Map(c.listLedgerDevices().map((d) => [d.serial, d]));
  const recs = new Map(c.deviceAggregates({ fromMs: msOf(s.from), toMs: msOf(s.to), dayOffsetMs: dayOffsetMs(s), deadlineMs: s.rules.uploadDeadlineHours * 3_600_000 }).map((a) => [a.serial, a]));
  const docks = new Map(c.dockAggregates({ from: s.from, to: s.to }).map((d) => [d.serial, d]));
  const history = byCamera(c.allHandovers());
  const changes = new Map<string, StatusChange[]>();
  for (const e of c.deviceEvents({ from: s.from, to: s.to })) {
    (changes.get(e.serial) ?? changes.set(e.serial, []).get(e.serial)!).push({ at: e.at, kind: e.kind, to: e.toStatus, by: e.by, note: e.note });
  }
  const parents = new Map(s.custody.getRoster().units.map((u) => [u.code, u.parent]));
  const serials = [...new Set([...devices.keys(), ...recs.keys()])].sort();
  return serials.flatMap((serial) => {
    const d: LedgerDeviceRow | undefined = devices.get(serial);
    const unit = d?.unit ?? s.stationUnit;
    if (!s.seesUnit(unit) || (s.unit && unit !== s.unit)) return [];
    const r = recs.get(serial);
    const k = docks.get(serial);
    const away = d ? dockedAway(d.unit, s.stationUnit, parents) : false;
    return [{
      serial, model: d?.model ?? null, unit, status: d?.status ?? 'notInLedger', price: yuan(d?.priceCents ?? null), holder: d?.holder ?? null,
      holders: holdings(history.get(serial) ?? []).filter((h) => overlaps(h, s.from, s.to)),
      docks: k?.docks ?? 0, lastDock: k?.lastDock ?? null, files: r?.files ?? 0,
      megabytes: Math.round(((r?.bytes ?? 0) / 1e6) * 10) / 10, hours: Math.round(((r?.seconds ?? 0) / 3600) * 100) / 100,
      statusChanges: changes.get(serial) ?? [], lentNoHolder: r?.noHolder ?? 0, lentOtherBadge: r?.mismatch ?? 0, dockedAway: away ? k?.docks ?? 0 : 0,
    }];
  });
}

export const ALLOCATION_COLUMNS: Column[] = [
  { key: 'unit', en: 'unit', zh: '单位' }, { key: 'unitName', en: 'unit name', zh: '单位名称' },
  { key: 'officers', en: 'enforcement officers', zh: '执法人员' }, { key: 'equipped', en: 'holding a working camera', zh: '已配发' },
  { key: 'ratePercent', en: 'rate % (target 100)', zh: '配备率%(应达100)' }, { key: 'unequipped', en: 'unequipped', zh: '未配备人员' },
];

/** art. 6: per unit, now: enforcement officers, those holding a camera in service, the rate, who is unequipped. */
export function allocationReport(s: ReportScope): Record<string, unknown>[] {
  const roster = s.custody.getRoster();
  const o = officersOf(s);
  const equipped = new Set(s.custody.ledger.listLedgerDevices('inService').flatMap((d) => (d.holder ? [d.holder] : [])));
  return roster.units.filter((u) => u.active && s.seesUnit(u.code) && (!s.unit || u.code === s.unit)).map((u) => {
    const officers = roster.officers.filter((x) => x.active && x.roles.includes('officer') && o.unit(x.badge) === u.code);
    const without = officers.filter((x) => !equipped.has(x.badge));
    return {
      unit: u.code, unitName: u.name, officers: officers.length, equipped: officers.length - without.length,
      ratePercent: share(officers.length - without.length, officers.length), unequipped: without.map((x) => `${x.badge} ${x.name}`).join(', '),
    };
  });
}

export const FAULT_COLUMNS: Column[] = [
  { key: 'at', en: 'time', zh: '时间', time: true }, { key: 'serial', en: 'camera', zh: '记录仪编号' }, { key: 'model', en: 'model', zh: '型号' },
  { key: 'unit', en: 'unit', zh: '单位' }, { key: 'event', en: 'event', zh: '事项' }, { key: 'fromStatus', en: 'from', zh: '原状态' },
  { key: 'toStatus', en: 'to', zh: '新状态' }, { key: 'by', en: 'reported by', zh: '登记人' }, { key: 'note', en: 'note', zh: '说明' },
  { key: 'liable', en: 'liable', zh: '责任人' }, { key: 'liableName', en: 'liable name', zh: '责任人姓名' },
  { key: 'amount', en: 'liability (yuan, original price)', zh: '赔偿金额(元,按原价)' },
];

const FAULT_KINDS = new Set(['fault', 'repair-sent', 'repair-back', 'lost', 'damaged', 'retired']);

/** art. 16–17: faults, repairs, losses and damage in [from, to), with the liability; a total row last. */
export function faultsReport(s: ReportScope): Record<string, unknown>[] {
  const o = officersOf(s);
  const devices = new Map(s.custody.ledger.listLedgerDevices().map((d) => [d.serial, d]));
  const rows = s.custody.ledger.deviceEvents({ from: s.from, to: s.to }).filter((e) => FAULT_KINDS.has(e.kind)).flatMap((e) => {
    const d = devices.get(e.serial);
    const unit = d?.unit ?? s.stationUnit;
    if (!s.seesUnit(unit) || (s.unit && unit !== s.unit)) return [];
    return [{
      at: e.at, serial: e.serial, model: d?.model ?? null, unit, event: e.kind, fromStatus: e.fromStatus, toStatus: e.toStatus, by: e.by,
      note: e.note, liable: e.liable, liableName: e.liable ? o.name(e.liable) : null, amount: yuan(e.amountCents),
    }];
  });
  const total = rows.reduce((t, r) => t + Math.round((r.amount ?? 0) * 100), 0);
  return [...rows, { at: null, serial: '', model: null, unit: null, event: 'total', fromStatus: null, toStatus: null, by: null, note: `${rows.length}`,
    liable: null, liableName: null, amount: total / 100 }];
}

export const OFFICER_COLUMNS: Column[] = [
  { key: 'section', en: 'section', zh: '类别' }, { key: 'camera', en: 'camera', zh: '记录仪' },
  { key: 'from', en: 'from', zh: '起', time: true }, { key: 'to', en: 'to', zh: '止', time: true }, { key: 'day', en: 'day', zh: '日期' },
  { key: 'recordings', en: 'recordings', zh: '录像数' }, { key: 'hours', en: 'hours', zh: '时长(小时)' }, { key: 'late', en: 'late uploads', zh: '超时上传' },
  { key: 'interruptions', en: 'interruptions', zh: '中断' }, { key: 'status', en: 'status', zh: '状态' },
];

/**
 * 一人一档: the cameras an officer held (handover intervals overlapping the range), their
 * recordings by day (late uploads counted per day), and their interruptions with their status.
 */
export function officerReport(s: ReportScope, badge: string): Record<string, unknown>[] {
  const c = s.custody.ledger;
  const held = [...byCamera(c.allHandovers())].flatMap(([serial, hist]) => holdings(hist)
    .filter((h) => h.badge === badge && overlaps(h, s.from, s.to)).map((h) => ({ serial, ...h })))
    .sort((a, b) => (a.from ?? '').localeCompare(b.from ?? '') || a.serial.localeCompare(b.serial));
  const off = dayOffsetMs(s);
  const dayText = (n: number) => new Date(n * 86_400_000).toISOString().slice(0, 10);
  const gaps = s.custody.gaps.listGaps();
  const officerOf = c.gapOfficers();
  const inRange = (t: string) => (s.from === null || t >= s.from) && (s.to === null || t < s.to);
  const mine = gaps.filter((g) => (officerOf.get(g.id) ?? g.badge) === badge && inRange(g.gapStart));
  const gapsByDay = new Map<string, number>();
  for (const g of mine) { const d = stationDay(g.gapStart, s.timezone); gapsByDay.set(d, (gapsByDay.get(d) ?? 0) + 1); }
  const empty = { camera: null, from: null, to: null, day: null, recordings: null, hours: null, late: null, interruptions: null, status: null };
  return [
    ...held.map((h) => ({ ...empty, section: 'camera', camera: h.serial, from: h.from, to: h.to, status: h.to === null ? 'held' : 'returned' })),
    ...c.officerDays(badge, { fromMs: msOf(s.from), toMs: msOf(s.to), deadlineMs: s.rules.uploadDeadlineHours * 3_600_000, dayOffsetMs: off }).map((d) => ({
      ...empty, section: 'day', camera: d.cameras, day: dayText(d.day), recordings: d.recordings, hours: Math.round((d.seconds / 3600) * 100) / 100,
      late: d.late, interruptions: gapsByDay.get(dayText(d.day)) ?? 0,
    })),
    ...mine.map((g) => ({ ...empty, section: 'interruption', camera: g.device, from: g.gapStart, to: g.gapEnd, status: g.status })),
  ];
}
