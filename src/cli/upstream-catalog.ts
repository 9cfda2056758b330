// `evidock upstream catalog-status|catalog-sync|catalog-verify`: the central PostgreSQL catalog
// (issue 14). The `upstream` group is shared with the object commands (src/cli/upstream.ts).
import { upstreamGroup } from './upstream.js';
import type { Command } from 'commander';
import { loadFor, openContext, printJson } from './context.js';
import { addCatalogOptions } from './catalog-view.js';
import { EXIT } from './exit.js';
import { catalogBacklogLine, catalogBacklogStatus } from '../upstream/catalog/status.js';
import { connectFor } from '../upstream/catalog/worker.js';
import { replicateOnce } from '../upstream/catalog/replicate.js';
import { verifyCatalog } from '../upstream/catalog/verify.js';
import { recordOutcome } from '../custody/catalog.js';

function requireCatalog(config: { upstream?: { catalog?: string | undefined } | undefined }): void {
  if (!config.upstream?.catalog) throw Object.assign(new Error('upstream.catalog is not configured'), { exitCode: EXIT.usage });
}

export function registerUpstreamCatalogCommands(program: Command): void {
  const group = upstreamGroup(program);

  group.command('catalog-status').description('catalog backlog of this station, and the stations the catalog holds')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'upstream' });
      try {
        const config = ctx.loaded.config;
        requireCatalog(config);
        const local = catalogBacklogStatus(ctx.custody, config)!;
        let stations: unknown[] | null = null;
        let unreachable: string | null = null;
        try {
          const catalog = await connectFor({ custody: ctx.custody, config });
          try { stations = (await catalog.stations()).map(({ publicKey, ...s }) => ({ ...s, publicKey: publicKey !== null })); } finally { await catalog.close(); }
        } catch (err) { unreachable = (err as Error).message; }
        if (opts.json) { printJson({ local, stations, unreachable }); return; }
        const lines = [catalogBacklogLine(local)];
        if (unreachable) lines.push(`  catalog unreachable: ${unreachable}`);
        for (const s of (stations ?? []) as { name: string; auditEntries: number; rows: number; checkpoints: number; lastSeen: string | null }[]) {
          lines.push(`  station ${s.name}: ${s.auditEntries} audit entries, ${s.rows} rows, ${s.checkpoints} checkpoints, last seen ${s.lastSeen ?? 'never'}`);
        }
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        await ctx.close();
      }
    });

  group.command('catalog-sync').description('send everything pending to the catalog now (the daemon does this on its own)')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'upstream' });
      try {
        const config = ctx.loaded.config;
        requireCatalog(config);
        let catalog: Awaited<ReturnType<typeof connectFor>>;
        try {
          catalog = await connectFor({ custody: ctx.custody, config });
        } catch (err) {
          recordOutcome(ctx.custody.ctx(), (err as Error).message); // status says so
          throw err;
        }
        try {
          const r = await replicateOnce({ custody: ctx.custody, config }, catalog).catch((err: Error) => {
            recordOutcome(ctx.custody.ctx(), err.message);
            throw err;
          });
          if (opts.json) { printJson(r); return; }
          const n = r.auditEntries + r.rows + r.deleted;
          process.stdout.write(`sent ${r.auditEntries} audit entries, ${r.rows} rows, ${r.deleted} deletions, ${r.checkpoints} checkpoint(s) `
            + `in ${Math.round(r.ms)} ms${n && r.ms > 0 ? ` (${Math.round(n / (r.ms / 1000))} rows/s)` : ''}\n`);
        } finally {
          await catalog.close();
        }
      } finally {
        await ctx.close();
      }
    });

  group.command('catalog-verify').description('recompute each station\'s audit chain as the catalog holds it; check its signed checkpoints')
    .option('--station <names>', 'only these stations (comma-separated)')
    .option('--json', 'print JSON')
    .action(async (opts: { station?: string; json?: boolean }, cmd: Command) => {
      const ctx = openContext(cmd, { console: false, component: 'upstream' });
      try {
        const config = ctx.loaded.config;
        requireCatalog(config);
        const catalog = await connectFor({ custody: ctx.custody, config });
        try {
          const res = await verifyCatalog(catalog, opts.station?.split(',').map((s) => s.trim()).filter(Boolean));
          if (res.some((r) => !r.ok)) process.exitCode = EXIT.integrity;
          if (opts.json) { printJson(res); return; }
          for (const r of res) {
            process.stdout.write(`${r.ok ? 'OK  ' : 'FAIL'} ${r.station}: ${r.entries} entries, head ${r.head.seq} ${r.head.hash.slice(0, 16)}…, `
              + `${r.checkpoints.ok}/${r.checkpoints.count} checkpoint(s) verified\n`);
            for (const p of r.problems) process.stdout.write(`       seq ${p.seq}: ${p.problem}\n`);
          }
        } finally {
          await catalog.close();
        }
      } finally {
        await ctx.close();
      }
    });
}

/**
 * `--catalog` (and `--station`) on every `report` subcommand — whoever registered it — and on
 * `retention plan`; call after all of them are registered.
 */
export function registerCatalogReports(program: Command): void {
  const report = program.commands.find((c) => c.name() === 'report');
  const plan = program.commands.find((c) => c.name() === 'retention')?.commands.find((c) => c.name() === 'plan');
  for (const c of [report, plan]) if (c) addCatalogOptions(c, (action) => loadFor(action).config);
  for (const sub of report?.commands ?? []) {
    sub.addHelpText('after', '\nAcross stations: evidock report --catalog [--station a,b] ' + sub.name() + ' … (or the options after it).');
  }
}
