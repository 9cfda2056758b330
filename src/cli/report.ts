// evidock report late|gaps|performance|ledger|allocation|faults|officer BADGE: the compliance
// (issue 11) and equipment-ledger (issue 10) reports in table|csv|xlsx|json, English or Chinese,
// times in the station's time zone. Other report commands (case, access) attach to the same group.
import fs from 'node:fs';
import type { Command } from 'commander';
import { openContext, type Context } from './context.js';
import { EXIT } from './exit.js';
import { formatOf, langOf } from '../compliance/format.js';
import type { ReportScope } from '../compliance/reports.js';
import { rulesOf } from '../compliance/scan.js';
import { REPORTS, renderAny, type ReportDef } from '../ledger/catalog.js';
import { NotPermittedError } from '../access/errors.js';

interface ReportOpts { from?: string; to?: string; unit?: string; format?: string; lang?: string; out?: string }

/** A time, or a date meaning its start in the station's zone (--from 2026-11-01 at +08:00 is 2026-10-31T16:00Z). */
function timeOpt(v: string | undefined, name: string, timezone: string): string | null {
  if (v === undefined) return null;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(v);
  const t = !dateOnly ? Date.parse(v)
    : timezone === 'local' ? new Date(`${v}T00:00:00`).getTime() : Date.parse(`${v}T00:00:00${timezone}`);
  if (Number.isNaN(t)) throw Object.assign(new Error(`--${name}: not a time: ${v} (ISO-8601, e.g. 2026-11-30 or 2026-11-30T08:00+08:00)`), { exitCode: EXIT.usage });
  return new Date(t).toISOString();
}

function scopeOf(ctx: Context, opts: ReportOpts): ReportScope {
  return {
    custody: ctx.custody, rules: rulesOf(ctx.loaded.config), timezone: ctx.loaded.config.timezone, stationUnit: ctx.loaded.config.unit.code,
    from: timeOpt(opts.from, 'from', ctx.loaded.config.timezone), to: timeOpt(opts.to, 'to', ctx.loaded.config.timezone), unit: opts.unit,
    seesOfficer: (badge) => ctx.permits('recording.read', ctx.subjectOf(badge)),
    seesUnit: (unit) => ctx.permits('recording.read', { badge: null, unit }),
    now: new Date(),
  };
}

function addReport(report: Command, def: ReportDef): void {
  const cmd = report.command(def.arg ? `${def.name} <${def.arg}>` : def.name)
    .description(def.description)
    .option('--from <time>', 'from this time (ISO-8601; a date is its midnight in the station\'s zone; recordings by their clock-corrected start)')
    .option('--to <time>', 'before this time')
    .option('--unit <code>', 'only this unit')
    .option('--format <f>', 'table | csv | xlsx | json', 'table')
    .option('--lang <lang>', 'zh | en (default: from the locale)')
    .option('--out <file>', 'write to a file instead of stdout (needed for xlsx on a terminal)');
  cmd.action(async (...a: unknown[]) => {
    const arg = def.arg ? (a[0] as string) : undefined;
    const opts = a[def.arg ? 1 : 0] as ReportOpts;
    const format = formatOf(opts.format);
    const lang = langOf(opts.lang);
    if (format === 'xlsx' && !opts.out && process.stdout.isTTY) {
      throw Object.assign(new Error('--format xlsx writes a binary workbook: give --out FILE.xlsx (or redirect stdout to a file)'), { exitCode: EXIT.usage });
    }
    const ctx = openContext(cmd, { console: false, component: 'report' });
    try {
      const scope = scopeOf(ctx, opts);
      if (def.name === 'officer') {
        if (!ctx.custody.getRoster().officers.some((o) => o.badge === arg)) throw Object.assign(new Error(`report officer: ${arg} is not an officer in the roster`), { exitCode: EXIT.usage });
        if (!scope.seesOfficer(arg!)) {
          ctx.custody.appendAudit('access.refused', { action: 'report.officer', badge: arg, reason: 'outside the actor\'s scope', argv: process.argv.slice(2) });
          throw new NotPermittedError(`report officer ${arg}`, `${ctx.actor.name} may not see officer ${arg}'s records`);
        }
      }
      const out = await renderAny({
        report: def.name, generatedAt: new Date().toISOString(), generatedBy: ctx.actor.name,
        params: { from: opts.from ?? null, to: opts.to ?? null, unit: opts.unit ?? null, ...(arg ? { [def.arg!]: arg } : {}), timezone: scope.timezone, rules: scope.rules },
        rows: def.rows(scope, arg),
      }, def.columns, { format, lang, timezone: scope.timezone });
      if (opts.out) fs.writeFileSync(opts.out, out);
      else process.stdout.write(out);
    } finally {
      await ctx.close();
    }
  });
}

export function registerComplianceReports(program: Command): void {
  const report = program.commands.find((c) => c.name() === 'report') ?? program.command('report').description('reports for the custodian and the unit head');
  for (const def of REPORTS) addReport(report, def);
}
