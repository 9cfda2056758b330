import type { Command } from 'commander';
import Table from 'cli-table3';
import { openContext, printJson } from './context.js';

export function registerSessionsCommands(program: Command): void {
  const ses = program.command('sessions').description('dock sessions: one per camera docking');
  ses.command('list')
    .description('dock sessions, newest first, with the dock-time checks (clock offset, battery, storage)')
    .option('--device <serial>', 'only this camera')
    .option('--limit <n>', 'at most N rows', (v) => Number.parseInt(v, 10), 50)
    .option('--json', 'print JSON')
    .action(async (opts: { device?: string; limit: number; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'sessions' });
      try {
        const rows = ctx.custody.listSessions({})
          .filter((s) => (!opts.device || s.deviceSerial === opts.device) && ctx.permits('session.read', ctx.subjectOf(s.badge)))
          .slice(0, opts.limit);
        if (opts.json) { printJson(rows); return; }
        const t = new Table({ head: ['id', 'device', 'status', 'started', 'files', 'stored', 'failed', 'clock Δ s', 'battery', 'usb serial'] });
        for (const s of rows) {
          t.push([s.id, s.deviceSerial, s.status, s.startedAt, s.files, s.stored, s.failed,
            s.clockOffsetS ?? '?', s.batteryPct === null ? '?' : `${s.batteryPct} %`, s.usbSerial ?? '']);
        }
        process.stdout.write(`${t.toString()}\n${rows.length} session(s)\n`);
      } finally {
        await ctx.close();
      }
    });
}
