// `evidock retention plan|run|restore|digest|tombstones` (art. 14(2), invariant 5).
import type { Command } from 'commander';
import Table from 'cli-table3';
import { printJson } from './context.js';
import { actorFor } from './actor.js';
import { recordingIds, retentionEnv, withContext } from './retention-common.js';
import { planRetention, purgeDigest, restoreRecording, runRetention } from '../retention/service.js';
import { retention as repo } from '../custody/index.js';
import { CliUsageError } from './retention-common.js';
import { EXIT } from './exit.js';

export function registerRetentionCommands(program: Command): void {
  const group = program.command('retention').description('what may be deleted, when and why; the grace period; purges leave tombstones');

  group.command('plan').option('--due', 'only what is due').option('--json', 'print JSON')
    .action(async (opts: { due?: boolean; json?: boolean }, cmd: Command) => withContext(cmd, 'retention', (ctx) => {
      const plan = planRetention(retentionEnv(ctx)).filter((e) => !opts.due || e.due);
      if (opts.json) { printJson(plan.map(({ size: _s, graceUntil: _g, ...e }) => ({ ...e, graceUntil: _g }))); return; }
      const t = new Table({ head: ['recording', 'category', 'keep until', 'due', 'rule', 'blocked by', 'grace until'] });
      for (const e of plan) t.push([e.recordingId, e.category, e.keepUntil ?? '—', e.due ? 'yes' : '', e.rule, e.blockedBy.join('; '), e.graceUntil ?? '']);
      process.stdout.write(`${t.toString()}\n${plan.filter((e) => e.due).length} of ${plan.length} due\n`);
    }));

  group.command('run').option('--dry-run', 'say what would happen, change nothing').option('--json', 'print JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }, cmd: Command) => withContext(cmd, 'retention', async (ctx) => {
      const r = await runRetention(retentionEnv(ctx), actorFor(ctx), { dryRun: opts.dryRun });
      for (const e of r.errors) process.stderr.write(`evidock retention run: ${e}\n`);
      if (r.errors.length) process.exitCode = EXIT.failure;
      if (opts.json) { printJson({ graced: r.graced, purged: r.purged, bytesFreed: r.bytesFreed, kept: r.kept }); return; }
      for (const a of r.actions) process.stdout.write(`  recording ${a.recordingId}: ${a.action}${a.detail ? ` (${a.detail})` : ''}\n`);
      process.stdout.write(`${r.dryRun ? 'dry run: would have ' : ''}graced ${r.graced}, purged ${r.purged}, freed ${r.bytesFreed} bytes, kept ${r.kept}\n`);
    }));

  group.command('restore').argument('<rec>', 'recording id in the grace period').option('--reason <r>', 'why', 'restored by hand').option('--json', 'print JSON')
    .action(async (rec: string, opts: { reason: string; json?: boolean }, cmd: Command) => {
      const [id] = recordingIds([rec]);
      await withContext(cmd, 'retention', (ctx) => {
        if (!restoreRecording(retentionEnv(ctx), actorFor(ctx), id!, opts.reason)) {
          throw new CliUsageError(`recording ${id} is not in the grace period (a purged recording cannot be restored)`);
        }
        if (opts.json) printJson({ recordingId: id, restored: true });
        else process.stdout.write(`recording ${id} restored from the grace period; hold it or reclassify it, or the next run graces it again\n`);
      });
    });

  group.command('digest').description("what will be purged in the next 7 days").option('--days <n>', 'look ahead', '7').option('--json', 'print JSON')
    .action(async (opts: { days: string; json?: boolean }, cmd: Command) => withContext(cmd, 'retention', (ctx) => {
      const d = purgeDigest(retentionEnv(ctx), Number(opts.days));
      if (opts.json) { printJson(d); return; }
      for (const e of d) process.stdout.write(`  ${e.purgeOn}  recording ${e.recordingId} (${e.category}: ${e.rule})\n`);
      process.stdout.write(`${d.length} recording(s) to be purged in the next ${opts.days} days\n`);
    }));

  group.command('tombstones').description('purged recordings: what was deleted, when, under which rule, by whom').option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => withContext(cmd, 'retention', (ctx) => {
      const rows = repo.listTombstones(ctx.custody.ctx());
      if (opts.json) { printJson(rows); return; }
      const t = new Table({ head: ['recording', 'sha256', 'size', 'category', 'rule', 'purged', 'by', 'audit seq'] });
      for (const r of rows) t.push([r.recordingId, r.sha256.slice(0, 16), r.size, r.category, r.rule, r.purgedAt, r.actor, r.auditSeq]);
      process.stdout.write(`${t.toString()}\n`);
    }));
}
