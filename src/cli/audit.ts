// `evidock audit log|checkpoint|pubkey|verify`: the chain, its signed checkpoints, the station key.
import type { Command } from 'commander';
import Table from 'cli-table3';
import { openContext, printJson } from './context.js';
import { auditVerify, stationKeyDir, writeCheckpoint, type AuditVerifyReport } from '../audit/checkpoints.js';
import { ensureStationKey } from '../audit/station-key.js';
import { EXIT } from './exit.js';
import { toIso } from '../custody/db.js';

const collect = (v: string, prev: string[]) => [...prev, v];

export function printAuditVerify(r: AuditVerifyReport): string[] {
  return [
    `audit chain ${r.problems.length === 0 ? 'ok' : 'PROBLEM'}: ${r.entries} entries, head seq ${r.head.seq} ${r.head.hash.slice(0, 16)}…`,
    `checkpoints ${r.checkpoints.count} found, ${r.checkpoints.ok} ok, ${r.checkpoints.failed.length} failed`
      + (r.checkpoints.count === 0 ? ' (none yet: a cut-off or rewritten chain cannot be told from a genuine one)' : ''),
    ...r.problems.map((p) => `  audit${p.seq ? ` seq ${p.seq}` : ''}: ${p.problem}`),
  ];
}

export function registerAuditCommands(program: Command): void {
  const group = program.command('audit').description('the hash-chained audit log, its signed checkpoints and the station key');

  group.command('checkpoint')
    .description('sign the chain\'s head now and write it to <dataDir>/checkpoints, audit.checkpointDirs and the log')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'audit', action: 'audit.checkpoint' });
      try {
        const w = writeCheckpoint(ctx.custody, ctx.loaded.config, ctx.logger);
        const out = { seq: w.seq, hash: w.hash, at: w.at, file: w.file, signatureFile: w.signatureFile };
        if (opts.json) printJson(out);
        else process.stdout.write(`checkpoint seq ${w.seq} ${w.hash}\n  ${w.file}\n  ${w.signatureFile}\n${w.copies.map((c) => `  copy ${c}\n`).join('')}`);
        if (w.failedCopies.length) process.exitCode = EXIT.failure;
      } finally {
        await ctx.close();
      }
    });

  group.command('pubkey')
    .description('print the station\'s public key (PEM) that verifies its checkpoints')
    .action(async (_opts: unknown, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'audit', action: 'audit.pubkey' });
      try {
        process.stdout.write(ensureStationKey(stationKeyDir(ctx.loaded.config)).publicPem);
      } finally {
        await ctx.close();
      }
    });

  group.command('log')
    .description('audit entries in order')
    .option('--since <iso>', 'entries at or after')
    .option('--until <iso>', 'entries before')
    .option('--actor <who>', 'only this actor (badge, root, system)')
    .option('--event <event>', 'only this event (e.g. recording.commit)')
    .option('--limit <n>', 'at most N entries', (v) => Number.parseInt(v, 10))
    .option('--json', 'print JSON (every field the hash covers, plus prevHash and hash)')
    .action(async (opts: { since?: string; until?: string; actor?: string; event?: string; limit?: number; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'audit', action: 'audit.log' });
      try {
        const rows = ctx.custody.listAudit({
          since: opts.since === undefined ? undefined : toIso(opts.since), until: opts.until === undefined ? undefined : toIso(opts.until),
          actor: opts.actor, event: opts.event, limit: opts.limit,
        });
        if (opts.json) { printJson(rows); return; }
        const t = new Table({ head: ['seq', 'at', 'actor', 'os user', 'event', 'payload'] });
        for (const e of rows) t.push([e.seq, e.at, e.actor, e.osUser ?? '', e.event, JSON.stringify(e.payload).slice(0, 80)]);
        process.stdout.write(`${t.toString()}\n${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}\n`);
      } finally {
        await ctx.close();
      }
    });

  group.command('verify')
    .description('recompute the chain and check it against every signed checkpoint (exit 3 on any problem)')
    .option('--checkpoints <dir>', 'another directory of checkpoints (repeatable)', collect, [] as string[])
    .option('--json', 'print JSON')
    .action(async (opts: { checkpoints: string[]; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'audit', action: 'audit.verify' });
      try {
        const r = auditVerify(ctx.custody, ctx.loaded.config, opts.checkpoints);
        if (opts.json) printJson(r);
        else process.stdout.write([...printAuditVerify(r), r.ok ? 'audit verify: OK' : 'audit verify: INTEGRITY PROBLEM'].join('\n') + '\n');
        if (!r.ok) {
          ctx.custody.raiseAlert({ kind: 'audit.integrity', severity: 'critical', message: `audit verify: ${r.problems.length} problem(s): ${r.problems[0]?.problem ?? ''}` });
          ctx.logger.error('audit verify found problems', { problems: r.problems });
        }
        process.exitCode = r.ok ? EXIT.ok : EXIT.integrity;
      } finally {
        await ctx.close();
      }
    });
}
