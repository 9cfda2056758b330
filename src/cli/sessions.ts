import type { Command } from 'commander';
import { renderTable } from './table.js';
import { openContext, printJson } from './context.js';
import { parseLimit } from './args.js';

export function registerSessionsCommands(program: Command): void {
  const ses = program.command('sessions').description('dock sessions: one per camera docking');
  ses.command('list')
    .description('dock sessions, newest first, with the dock-time checks (clock offset, battery, storage)')
    .option('--device <serial>', 'only this camera')
    .option('--limit <n>', 'at most N rows', parseLimit, 50)
    .option('--json', 'print JSON')
    .action(async (opts: { device?: string; limit: number; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'sessions' });
      try {
        const rows = ctx.custody.listSessions({})
          .filter((s) => (!opts.device || s.deviceSerial === opts.device) && ctx.permits('session.read', ctx.subjectOf(s.badge)))
          .slice(0, opts.limit);
        if (opts.json) { printJson(rows); return; }
        const table = renderTable(['id', 'device', 'status', 'started', 'files', 'stored', 'failed', 'clock Δ s', 'battery', 'usb serial'],
          rows.map((s) => [s.id, s.deviceSerial, s.status, s.startedAt, s.files, s.stored, s.failed,
            s.clockOffsetS === null ? '?' : s.clockSource?.startsWith('estimate') ? `~${s.clockOffsetS} (estimate)` : s.clockOffsetS, s.batteryPct === null ? '?' : `${s.batteryPct} %`, s.usbSerial ?? '']));
        process.stdout.write(`${table}${rows.length} session(s)\n`);
      } finally {
        await ctx.close();
      }
    });
}
