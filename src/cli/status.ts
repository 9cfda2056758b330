import type { Command } from 'commander';
import { openContext, printJson } from './context.js';
import { readState } from '../daemon/state.js';
import { daemonLockHeld, lockHolder } from '../daemon/lock.js';
import { plain } from './table.js';
import { backlogLine, objectBacklog } from './upstream.js';
import { upstreamObjects } from '../custody/index.js';
import { catalogBacklogLine, catalogBacklogStatus } from '../upstream/catalog/status.js';

export function registerStatusCommand(program: Command): void {
  program.command('status')
    .description('docked devices, ingests in progress, store usage, open alerts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'status' });
      try {
        const dataDir = ctx.loaded.config.dataDir;
        // The lock is the truth about a running daemon; its state file may lag (or be gone).
        const held = daemonLockHeld(dataDir);
        const state = readState(dataDir);
        const daemon = state ?? (held ? { pid: lockHolder(dataDir) ?? 0, startedAt: '?', roots: [], docked: [], ingesting: [] } : undefined);
        const stats = ctx.custody.stats();
        const usage = await ctx.store.usage();
        const running = ctx.custody.listSessions({ running: true }).filter((s) => ctx.permits('session.read', ctx.subjectOf(s.badge)));
        const alerts = ctx.custody.listAlerts({ open: true });
        const verificationBacklog = ctx.custody.proofBacklog(); // objects stored, not yet proven from the disk
        const upstream = ctx.loaded.config.upstream?.endpoint !== undefined ? objectBacklog(ctx) : null; // issue 14
        // Custody and the store must agree on what is held; say so when they do not.
        const remarks: string[] = [];
        const offloaded = upstreamObjects.prunedObjects(ctx.custody.ctx()).size; // kept in the bucket only (issue 14)
        if (usage.objects !== stats.objects - offloaded) {
          remarks.push(`the store holds ${usage.objects} object(s) but custody records ${stats.objects}${offloaded ? ` (${offloaded} in the bucket only)` : ''}: run evidock verify`);
        }
        if (stats.recordings < stats.objects) remarks.push(`${stats.objects - stats.recordings} object(s) belong to no recording`);
        const catalog = catalogBacklogStatus(ctx.custody, ctx.loaded.config); // null: no upstream.catalog
        const report = {
          config: ctx.loaded.source, dataDir: ctx.loaded.config.dataDir,
          daemon: daemon ? { pid: daemon.pid, startedAt: daemon.startedAt, roots: daemon.roots, docked: daemon.docked, ingesting: daemon.ingesting } : null,
          sessionsRunning: running, store: usage, custody: stats, remarks, openAlerts: alerts, verificationBacklog, upstream,
          catalog,
          schedules: ctx.custody.schedules.listScheduleRuns().map(({ name, cron, lastRun, nextRun, lastResult }) => ({ name, cron, lastRun, nextRun, lastResult })),
        };
        if (opts.json) { printJson(report); return; }
        const lines = [
          `config   ${report.config}`,
          `data     ${report.dataDir}`,
          `daemon   ${daemon ? `running, pid ${daemon.pid}, since ${daemon.startedAt}; watching ${daemon.roots.join(', ') || '(no roots)'}` : 'not running'}`,
          ...(daemon?.docked ?? []).map((d) => `  docked    ${d.device ?? '?'} at ${d.root} since ${d.since}`),
          ...(daemon?.ingesting ?? []).map((i) => `  ingesting ${i.root} ${i.index ?? 0}/${i.total ?? '?'} ${i.file ?? ''}`),
          `store    ${usage.objects} objects, ${usage.bytes} bytes`,
          `verify   ${verificationBacklog.objects} objects (${verificationBacklog.bytes} bytes) stored but not yet proven from the disk`,
          ...(upstream ? [backlogLine(upstream)] : []),
          `custody  ${stats.recordings} recordings of ${stats.objects} distinct contents from ${stats.devices} devices in ${stats.sessions} sessions`,
          ...remarks.map((m) => `  NOTE     ${m}`),
          ...(catalog ? [catalogBacklogLine(catalog)] : []),
          `alerts   ${alerts.length} open`,
          ...alerts.map((a) => `  [${a.severity}] ${a.kind}: ${a.message}${a.count > 1 ? ` (×${a.count})` : ''}`),
          `schedule ${report.schedules.length} job(s)`,
          ...report.schedules.map((j) => `  ${j.name.padEnd(16)} ${j.cron.padEnd(14)} last ${j.lastRun ?? 'never'}${j.lastResult ? ` (${j.lastResult})` : ''}, next ${j.nextRun ?? '?'}`),
        ];
        process.stdout.write(lines.map(plain).join('\n') + '\n');
      } finally {
        await ctx.close();
      }
    });
}
