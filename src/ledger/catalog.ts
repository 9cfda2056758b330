// Every report of the `report` group built on the ledger and compliance aggregates, in one list
// the CLI and the benchmark share: name, columns, rows; and one function that renders a report in
// any format (table, CSV with BOM, xlsx, JSON).
import { renderReport, renderXlsx, type Column, type Lang, type ReportFormat, type Report } from '../compliance/format.js';
import { gapsReport, lateReport, performanceReport, GAP_COLUMNS, LATE_COLUMNS, PERFORMANCE_COLUMNS, type ReportScope } from '../compliance/reports.js';
import { allocationReport, faultsReport, ledgerReport, officerReport, ALLOCATION_COLUMNS, FAULT_COLUMNS, LEDGER_COLUMNS, OFFICER_COLUMNS } from './reports.js';

export interface ReportDef {
  name: string;
  description: string;
  columns: Column[];
  /** a positional argument (`report officer BADGE`) */
  arg?: string;
  rows: (s: ReportScope, arg?: string) => Record<string, unknown>[];
}

export const REPORTS: readonly ReportDef[] = [
  { name: 'late', description: 'uploads later than rules.uploadDeadlineHours (art. 14(1)), per officer and unit', columns: LATE_COLUMNS, rows: lateReport },
  { name: 'gaps', description: 'interruptions (art. 9) and their explanation and review', columns: GAP_COLUMNS, rows: gapsReport },
  { name: 'performance', description: 'per officer: days with a camera, recordings, hours, docks, on-time rate, interruptions, open alerts', columns: PERFORMANCE_COLUMNS, rows: performanceReport },
  { name: 'ledger', description: 'the equipment ledger (台账) per camera: holders and handover times, docks, files/MB/hours, status changes, lending', columns: LEDGER_COLUMNS, rows: ledgerReport },
  { name: 'allocation', description: 'art. 6: per unit, enforcement officers holding a working camera against 100 %, and who is unequipped', columns: ALLOCATION_COLUMNS, rows: allocationReport },
  { name: 'faults', description: 'art. 16–17: faults, repairs, losses and damage, liabilities at the original price', columns: FAULT_COLUMNS, rows: faultsReport },
  { name: 'officer', arg: 'badge', description: '一人一档: one officer\'s cameras held, recordings by day, late uploads and interruptions', columns: OFFICER_COLUMNS, rows: (s, b) => officerReport(s, b!) },
];

export async function renderAny(r: Report, columns: readonly Column[], opts: { format: ReportFormat; lang: Lang; timezone: string }): Promise<string | Buffer> {
  if (opts.format === 'xlsx') return renderXlsx(r, columns, opts);
  return renderReport(r, columns, { ...opts, format: opts.format });
}
