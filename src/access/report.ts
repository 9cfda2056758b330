// `evidock report access`: every access.* audit entry in the period, counted per person and per
// recording. Pure: it takes the entries custody returns and the optional unit filter.
import type { AuditEntryLite } from '../custody/index.js';

const COUNTED = {
  'access.request': 'requests', 'access.approve': 'approved', 'access.reject': 'rejected', 'access.revoke': 'revoked',
  'access.view': 'views', 'access.export': 'exports', 'access.refused': 'refused', 'access.export.failed': 'failed',
} as const;
type Counter = (typeof COUNTED)[keyof typeof COUNTED];
export const COUNTERS: readonly Counter[] = ['requests', 'approved', 'rejected', 'revoked', 'views', 'exports', 'refused', 'failed'];

export type Counts = Record<Counter, number>;
export interface PersonRow extends Counts { badge: string; name: string | null }
export interface RecordingRowReport extends Counts { recordingId: number; viewedBy: string[]; exportedBy: string[] }
export interface AccessEventRow { seq: number; at: string; event: string; by: string; osUser: string | null; request: number | null; recordings: number[]; unit: string | null; detail: string | null }
export interface AccessReport { from: string | null; to: string | null; unit: string | null; byPerson: PersonRow[]; byRecording: RecordingRowReport[]; events: AccessEventRow[] }

const zero = (): Counts => ({ requests: 0, approved: 0, rejected: 0, revoked: 0, views: 0, exports: 0, refused: 0, failed: 0 });

function recordingsOf(p: Record<string, unknown>): number[] {
  if (Array.isArray(p.recordings)) return p.recordings.filter((x): x is number => typeof x === 'number');
  return typeof p.recordingId === 'number' ? [p.recordingId] : [];
}

export function accessReport(entries: readonly AuditEntryLite[], opts: { from?: string | undefined; to?: string | undefined; unit?: string | undefined; nameOf?: (badge: string) => string | undefined } = {}): AccessReport {
  const people = new Map<string, PersonRow>();
  const recs = new Map<number, RecordingRowReport>();
  const events: AccessEventRow[] = [];
  for (const e of entries) {
    const counter = (COUNTED as Record<string, Counter | undefined>)[e.event];
    if (!counter) continue;
    const p = e.payload;
    const unit = typeof p.unit === 'string' ? p.unit : null;
    if (opts.unit !== undefined && unit !== opts.unit) continue;
    const by = typeof p.by === 'string' ? p.by : e.actor;
    const recordings = recordingsOf(p);
    const person = people.get(by) ?? { badge: by, name: opts.nameOf?.(by) ?? null, ...zero() };
    person[counter]++;
    people.set(by, person);
    for (const id of recordings) {
      const r = recs.get(id) ?? { recordingId: id, viewedBy: [], exportedBy: [], ...zero() };
      r[counter]++;
      if (counter === 'views' && !r.viewedBy.includes(by)) r.viewedBy.push(by);
      if (counter === 'exports' && !r.exportedBy.includes(by)) r.exportedBy.push(by);
      recs.set(id, r);
    }
    const detail = typeof p.reason === 'string' ? p.reason : typeof p.error === 'string' ? p.error : null;
    events.push({
      seq: e.seq, at: e.at, event: e.event, by, osUser: typeof p.osUser === 'string' ? p.osUser : null,
      request: typeof p.request === 'number' ? p.request : null, recordings, unit, detail,
    });
  }
  return {
    from: opts.from ?? null, to: opts.to ?? null, unit: opts.unit ?? null,
    byPerson: [...people.values()].sort((a, b) => a.badge.localeCompare(b.badge)),
    byRecording: [...recs.values()].sort((a, b) => a.recordingId - b.recordingId),
    events,
  };
}

const csvCell = (v: unknown): string => {
  const s = v === null || v === undefined ? '' : Array.isArray(v) ? v.join(' ') : String(v);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
};

/** One CSV: a `scope` column says whether a row is a person or a recording. */
export function accessReportCsv(r: AccessReport): string {
  const head = ['scope', 'key', 'name', ...COUNTERS, 'viewedBy', 'exportedBy'];
  const rows = [
    ...r.byPerson.map((p) => ['person', p.badge, p.name, ...COUNTERS.map((c) => p[c]), '', '']),
    ...r.byRecording.map((x) => ['recording', x.recordingId, '', ...COUNTERS.map((c) => x[c]), x.viewedBy, x.exportedBy]),
  ];
  return [head, ...rows].map((row) => row.map(csvCell).join(',')).join('\n') + '\n';
}
