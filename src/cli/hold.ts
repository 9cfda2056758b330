// `evidock hold add|release|list`: a held recording is never deleted (art. 14(2)).
import type { Command } from 'commander';
import Table from 'cli-table3';
import { printJson } from './context.js';
import { actorFor } from './actor.js';
import { CliUsageError, recordingIds, withContext } from './retention-common.js';
import { cases as repo } from '../custody/index.js';
import { actorLabel } from '../retention/actor.js';

export function registerHoldCommands(program: Command): void {
  const group = program.command('hold').description('holds: held recordings are never deleted');

  group.command('add')
    .option('--recordings <id...>', 'recording ids')
    .option('--case <no>', 'every recording of this case, now and later linked')
    .requiredOption('--reason <r>', 'why (complaint, appeal, litigation, …)')
    .option('--json', 'print JSON')
    .action(async (opts: { recordings?: string[]; case?: string; reason: string; json?: boolean }, cmd: Command) => {
      if ((opts.recordings === undefined) === (opts.case === undefined)) throw new CliUsageError('name --recordings ID… or --case NO (one of them)');
      const ids = opts.recordings ? recordingIds(opts.recordings) : undefined;
      await withContext(cmd, 'hold', (ctx) => {
        const h = repo.addHold(ctx.custody.ctx(actorLabel(actorFor(ctx))), { reason: opts.reason, ...(ids ? { recordingIds: ids } : {}), ...(opts.case ? { caseNo: opts.case } : {}) });
        if (opts.json) printJson(h); else process.stdout.write(`hold ${h.id} added\n`);
      });
    });

  group.command('release').argument('<id>', 'hold id').requiredOption('--reason <r>', 'why it is released').option('--json', 'print JSON')
    .action(async (id: string, opts: { reason: string; json?: boolean }, cmd: Command) => {
      const [holdId] = recordingIds([id], 'hold id');
      await withContext(cmd, 'hold', (ctx) => {
        const h = repo.releaseHold(ctx.custody.ctx(actorLabel(actorFor(ctx))), holdId!, opts.reason);
        if (opts.json) printJson(h); else process.stdout.write(`hold ${h.id} released\n`);
      });
    });

  group.command('list').option('--all', 'released holds too').option('--json', 'print JSON')
    .action(async (opts: { all?: boolean; json?: boolean }, cmd: Command) => withContext(cmd, 'hold', (ctx) => {
      const rows = repo.listHolds(ctx.custody.ctx(), { active: !opts.all });
      if (opts.json) { printJson(rows); return; }
      const t = new Table({ head: ['hold', 'covers', 'reason', 'by', 'since', 'released'] });
      for (const h of rows) {
        t.push([h.id, h.caseNo ? `case ${h.caseNo}` : `recordings ${h.recordingIds.join(', ')}`, h.reason, h.createdBy, h.createdAt,
          h.releasedAt ? `${h.releasedAt} (${h.releaseReason ?? ''})` : '']);
      }
      process.stdout.write(`${t.toString()}\n`);
    }));
}
