// `evidock classify REC… --category C [--case NO] [--until DATE] [--importance N]` (art. 14(2)).
import type { Command } from 'commander';
import Table from 'cli-table3';
import { printJson } from './context.js';
import { actorFor } from './actor.js';
import { CliUsageError, recordingIds, retentionEnv, withContext } from './retention-common.js';
import { classify } from '../retention/service.js';
import { parseImportance } from '../retention/rules.js';

export function registerClassifyCommand(program: Command): void {
  program.command('classify')
    .description('set the retention category of recordings (routine|case|major|other); may only lengthen retention (exit 4 otherwise)')
    .argument('<rec...>', 'recording ids')
    .requiredOption('--category <c>', 'routine | case | major | other')
    .option('--case <no>', 'link the recordings to this case (needed for --category case)')
    .option('--until <date>', "--category other: kept through this date (YYYY-MM-DD), never less than the floor")
    .option('--importance <n>', 'importance mark: 普通 (0) or 1–5 级')
    .option('--json', 'print JSON')
    .action(async (recs: string[], opts: { category: string; case?: string; until?: string; importance?: string; json?: boolean }, cmd: Command) => {
      const ids = recordingIds(recs);
      let importance: number | undefined;
      if (opts.importance !== undefined) {
        importance = parseImportance(opts.importance);
        if (importance === undefined) throw new CliUsageError(`--importance must be 普通 or 1–5, got ${JSON.stringify(opts.importance)}`);
      }
      await withContext(cmd, 'classify', (ctx) => {
        const out = classify(retentionEnv(ctx), actorFor(ctx), ids, { category: opts.category, caseNo: opts.case, until: opts.until, importance });
        if (opts.json) { printJson(out); return; }
        const t = new Table({ head: ['recording', 'from', 'kept until', 'to', 'kept until', 'rule'] });
        for (const r of out) t.push([r.recordingId, r.from.category, r.from.keepUntil ?? '—', r.to.category, r.to.keepUntil ?? '— (not automatically)', r.to.rule]);
        process.stdout.write(`${t.toString()}\n`);
      });
    });
}
