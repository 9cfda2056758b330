// `evidock access request|approve|reject|revoke|list`, `evidock export`, `evidock view` and
// `evidock report access`: parsing and printing only; the rules and the work are in src/access.
import os from 'node:os';
import readline from 'node:readline';
import { Command, InvalidArgumentError, Option } from 'commander';
import Table from 'cli-table3';
import { AccessUsageError, NotPermittedError } from '../access/errors.js';
import { exportRequest } from '../access/export.js';
import { accessReportCsv, COUNTERS } from '../access/report.js';
import { rosterFromConfig } from '../access/roster.js';
import {
  accessReportFor, approveAccess, listAccess, listItem, recordingsOfCase, rejectAccess, requestAccess, revokeAccess, type AccessDeps, type AccessListItem,
} from '../access/service.js';
import type { AccessKind, Actor } from '../access/types.js';
import { viewRecording } from '../access/view.js';
import { accessActorFor } from './actor.js';
import { openContext, printJson, type Context } from './context.js';

const positiveInt = (v: string): number => {
  if (!/^\d+$/.test(v.trim()) || Number(v) <= 0) throw new InvalidArgumentError('expected a positive whole number');
  return Number(v);
};
const ids = (v: string, prev: number[] = []): number[] => [...prev, ...v.split(',').filter(Boolean).map(positiveInt)];
const hoursArg = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number of hours');
  return n;
};
const isoArg = (v: string): string => {
  if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(Date.parse(v))) throw new InvalidArgumentError('expected an ISO 8601 date or time');
  return new Date(v).toISOString();
};

/** Opens custody, resolves the actor (a refusal there is audited too) and runs fn. */
async function withAccess<T>(cmd: Command, fn: (deps: AccessDeps, actor: Actor, ctx: Context) => Promise<T> | T): Promise<T> {
  const ctx = openContext(cmd, { console: false, component: 'access' });
  try {
    const { config } = ctx.loaded;
    const deps: AccessDeps = {
      custody: ctx.custody, store: ctx.store, roster: rosterFromConfig(config), dataDir: config.dataDir,
      settings: config.access, station: { code: config.unit.code, name: config.unit.name },
    };
    const actor: Actor = accessActorFor(ctx);
    return await fn(deps, actor, ctx);
  } finally {
    await ctx.close();
  }
}

function printRequests(rows: AccessListItem[]): void {
  const t = new Table({ head: ['id', 'requester', 'kind', 'status', 'recordings', 'unit', 'decided by', 'expires', 'purpose'] });
  for (const r of rows) {
    t.push([r.id, r.requester, r.kind, r.status, r.recordings.join(','), r.unit, r.decidedBy ?? '', r.expiresAt ?? '', r.purpose]);
  }
  process.stdout.write(`${t.toString()}\n${rows.length} request(s)\n`);
}

/** No player configured: print the path and wait for Enter (or end of input, Ctrl-C, SIGTERM); the copy is removed after. */
function waitForReader(file: string): Promise<void> {
  process.stdout.write(`${file}\n`);
  process.stderr.write('watermarked view copy above; press Enter when done (it is removed then)\n');
  return new Promise((resolve) => {
    const rl = readline.createInterface({ input: process.stdin });
    const done = () => { rl.close(); process.off('SIGINT', done); process.off('SIGTERM', done); resolve(); };
    rl.once('line', done);
    rl.once('close', done);
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
}

export function registerAccessCommands(program: Command): void {
  const access = program.command('access').description('approval to view or copy footage (art. 15): requests, four-eyes decisions, grants');

  access.command('request')
    .description('ask to view or copy recordings; a head or admin of their unit (not you) decides')
    .option('--recordings <ids...>', 'recording ids (space or comma separated)', ids)
    .option('--case <no>', 'every recording linked to this case')
    .requiredOption('--purpose <text>', 'why the footage is needed (kept in the audit log)')
    .addOption(new Option('--kind <kind>', 'view: watch a watermarked copy here; copy: export watermarked copies').choices(['view', 'copy']).default('view'))
    .option('--hours <n>', 'how long the grant should last (default: access.defaultHours)', hoursArg)
    .option('--json', 'print {id, status}')
    .action((opts: { recordings?: number[]; case?: string; purpose: string; kind: AccessKind; hours?: number; json?: boolean }, cmd: Command) =>
      withAccess(cmd, (deps, actor) => {
        if (opts.recordings && opts.case) throw new AccessUsageError('give --recordings or --case, not both');
        const recordings = opts.case !== undefined ? recordingsOfCase(deps, opts.case) : opts.recordings ?? [];
        const r = requestAccess(deps, actor, { recordings, caseNo: opts.case, purpose: opts.purpose, kind: opts.kind, hours: opts.hours });
        if (opts.json) printJson({ id: r.id, status: r.status });
        else process.stdout.write(`request ${r.id}: ${r.kind} of recording ${r.recordings.join(', ')} for ${r.hours} h, pending; a head or admin of unit ${r.unit} other than you decides\n`);
      }));

  access.command('approve')
    .description('approve a pending request (head or admin of the recordings\' unit, not the requester)')
    .argument('<id>', 'request number', positiveInt)
    .option('--hours <n>', 'grant length (default: as requested)', hoursArg)
    .option('--json', 'print the request')
    .action((id: number, opts: { hours?: number; json?: boolean }, cmd: Command) => withAccess(cmd, (deps, actor) => {
      const r = approveAccess(deps, actor, id, { hours: opts.hours });
      if (opts.json) printJson(listItem(r, deps.custody.now()));
      else process.stdout.write(`request ${r.id} approved by ${actor.badge}: ${r.requester} may ${r.kind === 'copy' ? 'export' : 'view'} recording ${r.recordings.join(', ')} until ${r.expiresAt}\n`);
    }));

  access.command('reject')
    .description('reject a pending request')
    .argument('<id>', 'request number', positiveInt)
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .option('--json', 'print the request')
    .action((id: number, opts: { reason: string; json?: boolean }, cmd: Command) => withAccess(cmd, (deps, actor) => {
      const r = rejectAccess(deps, actor, id, opts.reason);
      if (opts.json) printJson(listItem(r, deps.custody.now()));
      else process.stdout.write(`request ${r.id} rejected by ${actor.badge}: ${r.reason}\n`);
    }));

  access.command('revoke')
    .description('withdraw a request or end a grant before it expires (the requester, or a head/admin of the unit)')
    .argument('<id>', 'request number', positiveInt)
    .option('--reason <text>', 'why')
    .option('--json', 'print the request')
    .action((id: number, opts: { reason?: string; json?: boolean }, cmd: Command) => withAccess(cmd, (deps, actor) => {
      const r = revokeAccess(deps, actor, id, opts.reason);
      if (opts.json) printJson(listItem(r, deps.custody.now()));
      else process.stdout.write(`request ${r.id} revoked by ${actor.badge}\n`);
    }));

  access.command('list')
    .description('requests you may see: your own; your unit\'s (head, custodian); all (admin)')
    .option('--mine', 'only your own requests')
    .option('--pending', 'only requests waiting for your decision')
    .option('--json', 'print JSON')
    .action((opts: { mine?: boolean; pending?: boolean; json?: boolean }, cmd: Command) => withAccess(cmd, (deps, actor) => {
      if (opts.mine && opts.pending) throw new AccessUsageError('give --mine or --pending, not both');
      const rows = listAccess(deps, actor, opts);
      if (opts.json) printJson(rows); else printRequests(rows);
    }));

  program.command('export')
    .description('export watermarked copies of the recordings of your approved copy grant, with manifest and signed receipt')
    .argument('<request>', 'request number', positiveInt)
    .requiredOption('--to <dir>', 'new or empty directory to write into')
    .option('--json', 'print {request, files, manifest, receipt}')
    .action((id: number, opts: { to: string; json?: boolean }, cmd: Command) => withAccess(cmd, async (deps, actor) => {
      const r = await exportRequest(deps, actor, id, opts.to);
      if (opts.json) { printJson(r); return; }
      const lines = [
        `export of request ${r.request}: ${r.files.length} watermarked cop${r.files.length === 1 ? 'y' : 'ies'}`,
        ...r.files.map((f) => `  ${f.copy}  sha256 ${f.copySha256}  (recording ${f.recordingId}, ${f.watermark})`),
        `manifest ${r.manifest}`, `receipt  ${r.receipt} (signature ${r.signature}, station key ${r.publicKey})`,
      ];
      process.stdout.write(lines.join('\n') + '\n');
    }));

  program.command('view')
    .description('watch a watermarked temporary copy under your approved grant (player from access.player, else its path is printed)')
    .argument('<request>', 'request number', positiveInt)
    .argument('<recording>', 'recording id', positiveInt)
    .option('--json', 'print the result when done')
    .action((id: number, rec: number, opts: { json?: boolean }, cmd: Command) => withAccess(cmd, async (deps, actor) => {
      const r = await viewRecording(deps, actor, id, rec, waitForReader);
      if (opts.json) printJson(r);
      else process.stderr.write(`view of recording ${rec} under request ${id} ended; the copy was removed\n`);
    }));

  const report = program.commands.find((c) => c.name() === 'report') ?? program.command('report').description('reports');
  report.command('access')
    .description('every request, decision, revocation, refusal, view and export, per person and per recording')
    .option('--from <iso>', 'entries at or after', isoArg)
    .option('--to <iso>', 'entries before', isoArg)
    .option('--unit <code>', 'only this unit\'s recordings')
    .addOption(new Option('--format <f>', 'output').choices(['table', 'csv', 'json']).default('table'))
    .action((opts: { from?: string; to?: string; unit?: string; format: 'table' | 'csv' | 'json' }, cmd: Command) =>
      withAccess(cmd, (deps, actor) => {
        const r = accessReportFor(deps, actor, opts);
        if (opts.format === 'json') { printJson(r); return; }
        if (opts.format === 'csv') { process.stdout.write(accessReportCsv(r)); return; }
        const people = new Table({ head: ['person', 'name', ...COUNTERS] });
        for (const p of r.byPerson) people.push([p.badge, p.name ?? '', ...COUNTERS.map((c) => p[c])]);
        const recs = new Table({ head: ['recording', ...COUNTERS, 'viewed by', 'exported by'] });
        for (const x of r.byRecording) recs.push([x.recordingId, ...COUNTERS.map((c) => x[c]), x.viewedBy.join(' '), x.exportedBy.join(' ')]);
        process.stdout.write(`access ${r.from ?? '…'} – ${r.to ?? '…'}${r.unit ? `, unit ${r.unit}` : ''}: ${r.events.length} event(s)\n`
          + `per person\n${people.toString()}\nper recording\n${recs.toString()}\n`);
      }));
}
