// evidock report late|gaps|performance: the compliance reports (issue 11) in table|csv|json,
// English or Chinese, times in the station's time zone. Other report commands (ledger, …) attach
// to the same `report` group.
import fs from 'node:fs';
import type { Command } from 'commander';
import { openContext, type Context } from './context.js';
import { EXIT } from './exit.js';
import { formatOf, langOf, renderReport, type Column } from '../compliance/format.js';
import { gapsReport, lateReport, performanceReport, GAP_COLUMNS, LATE_COLUMNS, PERFORMANCE_COLUMNS, type Facts } from '../compliance/reports.js';
import { rulesOf } from '../compliance/scan.js';

interface ReportOpts { from?: string; to?: string; unit?: string; format?: string; lang?: string; out?: string }

function timeOpt(v: string | undefined, name: string): string | null {
  if (v === undefined) return null;
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw Object.assign(new Error(`--${name}: not a time: ${v} (ISO-8601, e.g. 2026-11-30 or 2026-11-30T08:00+08:00)`), { exitCode: EXIT.usage });
  return new Date(t).toISOString();
}

function factsOf(ctx: Context, opts: ReportOpts): Facts {
  const c = ctx.custody;
  const from = timeOpt(opts.from, 'from');
  const to = timeOpt(opts.to, 'to');
  const rules = rulesOf(ctx.loaded.config);
  const inRange = (iso: string) => (from === null || iso >= from) && (to === null || iso < to);
  const roster = c.getRoster();
  const visible = (badge: string | null) => ctx.permits('recording.read', ctx.subjectOf(badge));
  return {
    officers: roster.officers.filter((o) => o.active && visible(o.badge)),
    recordings: c.compliance.recordingsBetween(from, to).filter((r) => visible(r.badge)),
    sessions: c.compliance.complianceSessions(null),
    gaps: c.gaps.listGaps().filter((g) => inRange(g.gapStart) && visible(g.badge)),
    openAlerts: c.listAlerts({ open: true }),
    holders: new Map(roster.devices.filter((d) => d.active && d.badge).map((d) => [d.serial, d.badge!])),
    rules, timezone: ctx.loaded.config.timezone, unit: opts.unit, stationUnit: ctx.loaded.config.unit.code,
  };
}

function addReport(report: Command, name: string, description: string, columns: Column[], rows: (f: Facts) => Record<string, unknown>[]): void {
  report.command(name)
    .description(description)
    .option('--from <time>', 'recordings from this time (ISO-8601)')
    .option('--to <time>', 'recordings before this time')
    .option('--unit <code>', 'only this unit')
    .option('--format <f>', 'table | csv | json', 'table')
    .option('--lang <lang>', 'zh | en (default: from the locale)')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (opts: ReportOpts, cmd: Command) => {
      const format = formatOf(opts.format);
      const lang = langOf(opts.lang);
      const ctx = openContext(cmd, { console: false, component: 'report' });
      try {
        const facts = factsOf(ctx, opts);
        const text = renderReport({
          report: name, generatedAt: new Date().toISOString(), generatedBy: ctx.actor.name,
          params: { from: opts.from ?? null, to: opts.to ?? null, unit: opts.unit ?? null, timezone: facts.timezone, rules: facts.rules },
          rows: rows(facts),
        }, columns, { format, lang, timezone: facts.timezone });
        if (opts.out) fs.writeFileSync(opts.out, text);
        else process.stdout.write(text);
      } finally {
        await ctx.close();
      }
    });
}

export function registerComplianceReports(program: Command): void {
  const report = program.commands.find((c) => c.name() === 'report') ?? program.command('report').description('reports for the custodian and the unit head');
  addReport(report, 'late', 'uploads later than rules.uploadDeadlineHours (art. 14(1)), per officer and unit', LATE_COLUMNS, lateReport);
  addReport(report, 'gaps', 'interruptions (art. 9) and their explanation and review', GAP_COLUMNS, gapsReport);
  addReport(report, 'performance', 'per officer: days with a camera, recordings, hours, docks, on-time rate, interruptions, open alerts', PERFORMANCE_COLUMNS, performanceReport);
}
