// Reports as table | csv | json, labels in English or Chinese, times in the station's time zone.
// Pure rendering: the caller computed the rows.
import Table from 'cli-table3';

export type ReportFormat = 'table' | 'csv' | 'json';
export type Lang = 'en' | 'zh';

export interface Column { key: string; en: string; zh: string; time?: boolean }

export interface Report {
  report: string;
  generatedAt: string;
  generatedBy: string;
  params: Record<string, unknown>;
  rows: Record<string, unknown>[];
}

/** `--lang`, else a zh locale in the environment, else English. */
export function langOf(opt: string | undefined, env: NodeJS.ProcessEnv = process.env): Lang {
  if (opt === 'zh' || opt === 'en') return opt;
  if (opt !== undefined) throw Object.assign(new Error(`--lang: expected zh or en, got ${opt}`), { exitCode: 2 });
  return /^zh/i.test(env.LC_ALL || env.LC_MESSAGES || env.LANG || '') ? 'zh' : 'en';
}

export function formatOf(opt: string | undefined): ReportFormat {
  const f = opt ?? 'table';
  if (f === 'table' || f === 'csv' || f === 'json') return f;
  throw Object.assign(new Error(`--format: expected table, csv or json, got ${f}`), { exitCode: 2 });
}

/** The offset of a zone ("local" or "+08:00") at a moment, in minutes east of UTC. */
function offsetMinutes(timezone: string, at: Date): number {
  if (timezone === 'local') return -at.getTimezoneOffset();
  const m = /^([+-])(\d{2}):(\d{2})$/.exec(timezone);
  if (!m) throw new RangeError(`timezone: expected "local" or +HH:MM, got ${timezone}`);
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

/** An ISO time shown in the station's zone: `2026-11-29 09:00:00 +08:00` (never bare UTC). */
export function stationTime(iso: string | null, timezone: string): string {
  if (iso === null || iso === '') return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const off = offsetMinutes(timezone, d);
  const local = new Date(d.getTime() + off * 60_000).toISOString().replace('T', ' ').slice(0, 19);
  const sign = off < 0 ? '-' : '+';
  const a = Math.abs(off);
  return `${local} ${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** The calendar day (YYYY-MM-DD) of a time in the station's zone. */
export function stationDay(iso: string, timezone: string): string {
  return stationTime(iso, timezone).slice(0, 10);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : v.toFixed(2);
  return String(v);
}

function csvCell(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderReport(r: Report, columns: readonly Column[], opts: { format: ReportFormat; lang: Lang; timezone: string }): string {
  if (opts.format === 'json') return JSON.stringify(r, null, 2) + '\n';
  const head = columns.map((c) => (opts.lang === 'zh' ? c.zh : c.en));
  const body = r.rows.map((row) => columns.map((c) => (c.time ? stationTime((row[c.key] as string | null) ?? null, opts.timezone) : cell(row[c.key]))));
  if (opts.format === 'csv') {
    // The BOM makes Excel read the Chinese labels as UTF-8.
    return '\uFEFF' + [head, ...body].map((line) => line.map(csvCell).join(',')).join('\r\n') + '\r\n';
  }
  const t = new Table({ head });
  for (const line of body) t.push(line);
  return `${t.toString()}\n${r.rows.length} ${opts.lang === 'zh' ? '行' : 'row(s)'}\n`;
}
