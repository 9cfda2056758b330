// `evidock case open|close|reopen|link|attach|show|list` and `report case NO` (art. 2–3).
import type { Command } from 'commander';
import Table from 'cli-table3';
import { printJson } from './context.js';
import { actorFor } from './actor.js';
import { CliUsageError, recordingIds, withContext } from './retention-common.js';
import { cases as repo } from '../custody/index.js';
import { actorLabel } from '../retention/actor.js';
import { attachDocuments, caseFile, requireStage, type CaseFile } from '../retention/case-file.js';
import { STAGES } from '../retention/rules.js';

function parseTime(v: string): string {
  const t = Date.parse(v);
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(t)) throw new CliUsageError(`--at must be an ISO 8601 time, got ${JSON.stringify(v)}`);
  if (t > Date.now() + 60_000) throw new CliUsageError(`--at ${v} is in the future: a case is closed when it has been closed`);
  return new Date(t).toISOString();
}

function printCaseFile(f: CaseFile): void {
  const c = f.case;
  const lines = [`case ${c.no}: ${c.title}`, `  ${c.status}; opened ${c.openedAt} by ${c.openedBy}${c.closedAt ? `; closed ${c.closedAt} by ${c.closedBy ?? '?'}` : ''}`];
  if (f.holds.length) lines.push(`  held: hold ${f.holds.join(', ')}`);
  for (const s of f.stages) {
    lines.push(`  [${s.stage || '(no stage)'}]`);
    for (const r of s.recordings) {
      lines.push(`    recording ${r.recordingId} ${r.status === 'purged' ? `PURGED ${r.purgedAt ?? ''} ` : ''}${r.device ?? ''} ${r.badge ?? ''} ${r.recordedStart ?? ''} ${r.sourcePath ?? ''} ${r.sha256?.slice(0, 12) ?? ''}`);
    }
    for (const d of s.documents) lines.push(`    document ${d.id} ${d.fileName}${d.title ? ` "${d.title}"` : ''} ${d.size} B sha256 ${d.sha256.slice(0, 12)} added ${d.addedAt} by ${d.addedBy}`);
  }
  const missing = STAGES.filter((st) => !f.stages.some((s) => s.stage === st));
  if (missing.length) lines.push(`  stages with nothing filed: ${missing.join(' ')}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

function caseCsv(f: CaseFile): string {
  const q = (v: unknown) => `"${String(v ?? '').replace(/"/g, '""')}"`;
  const rows = [['stage', 'kind', 'id', 'status', 'name', 'sha256', 'size', 'time'].join(',')];
  for (const s of f.stages) {
    for (const r of s.recordings) rows.push([s.stage, 'recording', r.recordingId, r.status, r.sourcePath, r.sha256, r.size, r.recordedStart].map(q).join(','));
    for (const d of s.documents) rows.push([s.stage, 'document', d.id, 'live', d.fileName, d.sha256, d.size, d.addedAt].map(q).join(','));
  }
  return `${rows.join('\n')}\n`;
}

export function registerCaseCommands(program: Command): void {
  const group = program.command('case').description('cases and their procedure stages (art. 2): recordings and written records');

  group.command('open').argument('<no>', 'case number').requiredOption('--title <t>', 'case title').option('--json', 'print JSON')
    .action(async (no: string, opts: { title: string; json?: boolean }, cmd: Command) => withContext(cmd, 'case', (ctx) => {
      const c = repo.openCase(ctx.custody.ctx(actorLabel(actorFor(ctx))), no, opts.title);
      if (opts.json) printJson(c); else process.stdout.write(`case ${c.no} opened\n`);
    }));

  group.command('close').argument('<no>').option('--at <time>', 'when it was closed (default now)').option('--json', 'print JSON')
    .action(async (no: string, opts: { at?: string; json?: boolean }, cmd: Command) => withContext(cmd, 'case', (ctx) => {
      const c = repo.closeCase(ctx.custody.ctx(actorLabel(actorFor(ctx))), no, opts.at ? parseTime(opts.at) : new Date().toISOString());
      if (opts.json) printJson(c); else process.stdout.write(`case ${c.no} closed at ${c.closedAt}\n`);
    }));

  group.command('reopen').argument('<no>').option('--json', 'print JSON')
    .action(async (no: string, opts: { json?: boolean }, cmd: Command) => withContext(cmd, 'case', (ctx) => {
      const c = repo.reopenCase(ctx.custody.ctx(actorLabel(actorFor(ctx))), no);
      if (opts.json) printJson(c); else process.stdout.write(`case ${c.no} reopened\n`);
    }));

  group.command('link').argument('<no>').argument('<rec...>', 'recording ids').requiredOption('--stage <s>', STAGES.join('|')).option('--json', 'print JSON')
    .action(async (no: string, recs: string[], opts: { stage: string; json?: boolean }, cmd: Command) => {
      const ids = recordingIds(recs);
      const stage = requireStage(opts.stage);
      await withContext(cmd, 'case', (ctx) => {
        const added = repo.linkRecordings(ctx.custody.ctx(actorLabel(actorFor(ctx))), no, ids, stage);
        if (opts.json) printJson({ caseNo: no, stage, linked: added });
        else process.stdout.write(`case ${no} [${stage}]: ${added.length} recording(s) linked${added.length < ids.length ? `, ${ids.length - added.length} already were` : ''}\n`);
      });
    });

  group.command('attach').argument('<no>').argument('<file...>', 'scans or PDFs of the stage\'s written records')
    .requiredOption('--stage <s>', STAGES.join('|')).option('--title <t>', 'what the document is').option('--json', 'print JSON')
    .action(async (no: string, files: string[], opts: { stage: string; title?: string; json?: boolean }, cmd: Command) =>
      withContext(cmd, 'case', async (ctx) => {
        const docs = await attachDocuments(ctx.custody, ctx.store, actorFor(ctx), no, files, opts.stage, opts.title);
        if (opts.json) printJson(docs);
        else for (const d of docs) process.stdout.write(`document ${d.id} ${d.fileName} → sha256 ${d.sha256}\n`);
      }));

  group.command('show').argument('<no>').option('--json', 'print JSON')
    .action(async (no: string, opts: { json?: boolean }, cmd: Command) => withContext(cmd, 'case', (ctx) => {
      const f = caseFile(ctx.custody, no);
      if (opts.json) printJson(f); else printCaseFile(f);
    }));

  group.command('list').option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => withContext(cmd, 'case', (ctx) => {
      const rows = repo.listCases(ctx.custody.ctx());
      if (opts.json) { printJson(rows); return; }
      const t = new Table({ head: ['case', 'title', 'opened', 'closed'] });
      for (const c of rows) t.push([c.no, c.title, c.openedAt, c.closedAt ?? 'open']);
      process.stdout.write(`${t.toString()}\n`);
    }));
}

/** `report case NO [--format table|csv|json]`: the case file as a report. */
export function registerCaseReport(report: Command): void {
  report.command('case').argument('<no>').option('--format <f>', 'table | csv | json', 'table').option('--out <file>', 'write to this file')
    .action(async (no: string, opts: { format: string; out?: string }, cmd: Command) => withContext(cmd, 'report', async (ctx) => {
      const f = caseFile(ctx.custody, no);
      let text: string;
      if (opts.format === 'json') text = `${JSON.stringify(f, null, 2)}\n`;
      else if (opts.format === 'csv') text = caseCsv(f);
      else if (opts.format === 'table') { printCaseFile(f); return; }
      else throw new CliUsageError(`--format must be table, csv or json, got ${JSON.stringify(opts.format)}`);
      if (opts.out) { const { writeFile } = await import('node:fs/promises'); await writeFile(opts.out, text); } else process.stdout.write(text);
    }));
}
