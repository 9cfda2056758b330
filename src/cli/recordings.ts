import type { Command } from 'commander';
import Table from 'cli-table3';
import { openContext, printJson } from './context.js';

export function registerRecordingsCommands(program: Command): void {
  const rec = program.command('recordings').description('recordings in custody');
  rec.command('list')
    .description('list recordings (newest first)')
    .option('--device <serial>', 'only this camera')
    .option('--badge <badge>', 'only this officer')
    .option('--since <iso>', 'recorded at or after')
    .option('--until <iso>', 'recorded before')
    .option('--limit <n>', 'at most N rows', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON')
    .action(async (opts: { device?: string; badge?: string; since?: string; until?: string; limit?: number; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'recordings' });
      try {
        // Only what the actor may see (officers their own, custodians/heads their unit's); the limit applies after.
        const rows = ctx.custody.listRecordings({ device: opts.device, badge: opts.badge, since: opts.since, until: opts.until })
          .filter((r) => ctx.permits('recording.read', ctx.subjectOf(r.badge))).slice(0, opts.limit ?? Infinity);
        if (opts.json) { printJson(rows); return; }
        // Both times: the camera's own (as recorded, never changed) and corrected by the clock
        // offset measured when it was docked ("—": no offset could be measured).
        const t = new Table({ head: ['id', 'device', 'badge', 'recorded start (camera)', 'corrected start', 'offset s', 'dur s', 'size', 'sha256', 'source'] });
        for (const r of rows) {
          t.push([r.id, r.device, r.badge ?? '', r.recordedStart, r.correctedStart ?? '—', r.clockOffsetS ?? '—',
            r.durationS?.toFixed(1) ?? '', r.size, r.sha256.slice(0, 12), r.sourcePath]);
        }
        process.stdout.write(`${t.toString()}\n${rows.length} recording(s)\n`);
      } finally {
        await ctx.close();
      }
    });
}
