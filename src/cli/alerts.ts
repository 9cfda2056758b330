// evidock alerts list|ack: the deduplicated alerts (first/last seen, count) and their acknowledgement.
import type { Command } from 'commander';
import Table from 'cli-table3';
import { openContext, printJson } from './context.js';
import { EXIT } from './exit.js';
import type { AlertRow } from '../custody/index.js';
import { stationTime } from '../compliance/format.js';

export function alertJson(a: AlertRow) {
  return {
    id: a.id, kind: a.kind, severity: a.severity, subject: a.subject, message: a.message, firstSeen: a.firstSeen, lastSeen: a.lastSeen,
    count: a.count, ackedAt: a.ackedAt, ackedBy: a.ackedBy, ...(a.ackNote !== null ? { ackNote: a.ackNote } : {}),
  };
}

export function registerAlertsCommands(program: Command): void {
  const alerts = program.command('alerts').description('alerts for people to act on: late uploads, interruptions, cameras not docked, …');
  alerts.command('list')
    .description('alerts, each problem once (first seen, last seen, count)')
    .option('--open', 'only those not acknowledged')
    .option('--kind <kind>', 'only this kind (e.g. late-upload, interruption, not-docked)')
    .option('--json', 'print JSON')
    .action(async (opts: { open?: boolean; kind?: string; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'alerts' });
      try {
        const rows = ctx.custody.listAlerts({ open: opts.open ? true : undefined, kind: opts.kind }).map(alertJson);
        if (opts.json) { printJson(rows); return; }
        const t = new Table({ head: ['id', 'severity', 'kind', 'subject', 'count', 'last seen', 'acked', 'message'], wordWrap: true, colWidths: [null, null, null, null, null, null, null, 60] as unknown as number[] });
        for (const a of rows) t.push([a.id, a.severity, a.kind, a.subject, a.count, stationTime(a.lastSeen, ctx.loaded.config.timezone), a.ackedBy ?? '', a.message]);
        process.stdout.write(`${t.toString()}\n${rows.length} alert(s)\n`);
      } finally {
        await ctx.close();
      }
    });
  alerts.command('ack')
    .description('acknowledge an alert (audited, with who and an optional note)')
    .argument('<id>', 'alert id')
    .option('--note <text>', 'what was done about it')
    .option('--json', 'print JSON')
    .action(async (idText: string, opts: { note?: string; json?: boolean }, cmd: Command) => {
      const id = Number.parseInt(idText, 10);
      if (!Number.isSafeInteger(id) || String(id) !== idText) {
        process.stderr.write(`evidock alerts ack: ${idText}: not an alert id\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const ctx = openContext(cmd, { console: false, component: 'alerts' });
      try {
        if (!ctx.custody.getAlert(id)) {
          process.stderr.write(`evidock alerts ack: no alert ${id}\n`);
          process.exitCode = EXIT.usage;
          return;
        }
        const changed = ctx.custody.ackAlert(id, ctx.actor.name, opts.note);
        const a = alertJson(ctx.custody.getAlert(id)!);
        if (opts.json) printJson({ ...a, changed });
        else process.stdout.write(changed ? `alert ${id} acknowledged by ${a.ackedBy ?? '?'}\n` : `alert ${id} was already acknowledged by ${a.ackedBy ?? '?'} at ${a.ackedAt ?? '?'}\n`);
      } finally {
        await ctx.close();
      }
    });
}
