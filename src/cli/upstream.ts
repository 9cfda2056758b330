// evidock upstream status|sync|prune: the object half of the backend server (issue 14).
// The catalog commands register under the same group (src/cli/upstream-catalog.ts).
import type { Command } from 'commander';
import { openContext, printJson, type Context } from './context.js';
import { EXIT } from './exit.js';
import { upstreamObjects as q } from '../custody/index.js';
import { bucketFor, ObjectUpstream, pruneLocal, type PassResult } from '../upstream/objects/index.js';
import { stationName } from '../upstream/station.js';

/** The `upstream` command group, created once (the catalog helper's commands join it). */
export function upstreamGroup(program: Command): Command {
  return program.commands.find((c) => c.name() === 'upstream')
    ?? program.command('upstream').description('the backend server: objects to an S3 bucket with Object Lock, custody to the central catalog');
}

/** The object backlog for `status` and `upstream status`. */
export function objectBacklog(ctx: Pick<Context, 'custody'>, now = new Date()) {
  const c = ctx.custody.ctx();
  const b = q.backlog(c);
  const up = q.listUpstream(c);
  return {
    queued: b.objects, bytes: b.bytes, oldest: b.oldest,
    oldestAgeHours: b.oldest === null ? null : Math.round(((now.getTime() - Date.parse(b.oldest)) / 3_600_000) * 10) / 10,
    failed: b.failed, lockUpdates: b.lockUpdates,
    upstream: up.length, upstreamBytes: up.reduce((s, u) => s + u.size, 0), pruned: up.filter((u) => u.prunedAt !== null).length,
  };
}

export function backlogLine(b: ReturnType<typeof objectBacklog>): string {
  return `upstream ${b.queued} objects (${b.bytes} bytes) waiting${b.oldest ? `, oldest ${b.oldestAgeHours} h` : ''}`
    + `${b.failed ? `, ${b.failed} failed` : ''}${b.lockUpdates ? `, ${b.lockUpdates} lock update(s)` : ''}; `
    + `${b.upstream} in the bucket${b.pruned ? ` (${b.pruned} there only)` : ''}`;
}

function workerFor(ctx: Context): ObjectUpstream | undefined {
  const config = ctx.loaded.config;
  const bucket = bucketFor(config);
  if (!bucket || !config.upstream) return undefined;
  return new ObjectUpstream({ custody: ctx.custody, store: ctx.store, config: { ...config, upstream: config.upstream }, bucket, station: stationName(config), logger: ctx.logger });
}

const noEndpoint = () => {
  process.stderr.write('evidock upstream: no upstream.endpoint in the configuration\n');
  process.exitCode = EXIT.usage;
};

export function registerUpstreamCommands(program: Command): void {
  const up = upstreamGroup(program);
  up.command('status')
    .description('objects waiting to go to the bucket (count, bytes, oldest), failed, in the bucket, pruned locally')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'upstream' });
      try {
        const b = objectBacklog(ctx);
        const failed = q.listQueue(ctx.custody.ctx()).filter((i) => i.failed).map((i) => ({ sha256: i.sha256, kind: i.kind, attempts: i.attempts, error: i.lastError }));
        const u = ctx.loaded.config.upstream;
        const out = { endpoint: u?.endpoint ?? null, bucket: u?.bucket ?? null, station: stationName(ctx.loaded.config), objects: b, failedItems: failed };
        if (opts.json) { printJson(out); return; }
        process.stdout.write(`bucket   ${out.bucket ?? '(none)'} at ${out.endpoint ?? '(no endpoint)'}, station ${out.station}\n${backlogLine(b)}\n`
          + failed.map((f) => `  FAILED ${f.kind} ${f.sha256} after ${f.attempts} attempts: ${f.error ?? ''}\n`).join(''));
      } finally {
        await ctx.close();
      }
    });
  up.command('sync')
    .description('send what is due now (the daemon does this on its own), then print what was done')
    .option('--retry', 'put objects whose retries were exhausted back in the queue first')
    .option('--json', 'print JSON')
    .action(async (opts: { retry?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'upstream' });
      try {
        const w = workerFor(ctx);
        if (!w) { noEndpoint(); return; }
        const retried = opts.retry ? q.retryFailed(ctx.custody.ctx()) : 0;
        let r: PassResult;
        try { r = await w.pass(); } finally { w.env.bucket.close(); }
        const b = objectBacklog(ctx);
        if (opts.json) printJson({ retried, ...r, backlog: b });
        else process.stdout.write(`${r.stored} stored, ${r.reused} already in the bucket, ${r.locked} lock(s) updated, ${r.failed} failed`
          + `${r.outage ? `; server unreachable: ${r.outage}` : ''}\n${backlogLine(b)}\n`);
        if (r.outage || r.failed) process.exitCode = EXIT.failure;
      } finally {
        await ctx.close();
      }
    });
  up.command('prune')
    .description('drop local copies the bucket holds locked and re-verified, where retention and disc rules allow (needs upstream.pruneLocal)')
    .option('--dry-run', 'say what would go, change nothing')
    .option('--json', 'print JSON')
    .action(async (opts: { dryRun?: boolean; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'upstream' });
      try {
        if (!ctx.loaded.config.upstream?.pruneLocal && !opts.dryRun) {
          process.stderr.write('evidock upstream prune: upstream.pruneLocal is off in the configuration (--dry-run shows what would go)\n');
          process.exitCode = EXIT.usage;
          return;
        }
        const w = workerFor(ctx);
        if (!w) { noEndpoint(); return; }
        let r;
        try { r = await pruneLocal(w.env, { dryRun: opts.dryRun === true }); } finally { w.env.bucket.close(); }
        if (opts.json) printJson(r);
        else process.stdout.write(`${r.dryRun ? 'would prune' : 'pruned'} ${r.pruned.length} local cop(ies), ${r.bytesFreed} bytes; kept ${r.kept.length}\n`
          + r.kept.map((k) => `  kept ${k.sha256}: ${k.why}\n`).join(''));
      } finally {
        await ctx.close();
      }
    });
}
