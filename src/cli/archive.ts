// `evidock archive plan|build|verify|burn|list` (刻录, art. 14(2)): BagIt discs readable without evidock.
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import Table from 'cli-table3';
import { printJson } from './context.js';
import { actorFor } from './actor.js';
import { CliUsageError, recordingIds, withContext } from './retention-common.js';
import { EXIT } from './exit.js';
import { archivePlan, buildArchive, type ArchiveEnv } from '../archive/build.js';
import { burnDisc } from '../archive/burn.js';
import { verifyDisc } from '../archive/verify.js';
import { discs as discRepo } from '../custody/index.js';
import type { Context } from './context.js';

const env = (ctx: Context): ArchiveEnv => ({ custody: ctx.custody, store: ctx.store, config: ctx.loaded.config });

function progressBar(enabled: boolean) {
  if (!enabled || !process.stderr.isTTY) return undefined;
  const bar = new cliProgress.SingleBar({ stream: process.stderr, format: ' {bar} {percentage}% | {what}' }, cliProgress.Presets.shades_classic);
  let started = false;
  return {
    update(what: string, percent: number) {
      if (!started) { bar.start(100, 0, { what }); started = true; }
      bar.update(Math.min(100, Math.round(percent)), { what });
    },
    stop() { if (started) bar.stop(); },
  };
}

export function registerArchiveCommands(program: Command): void {
  const group = program.command('archive').description('disc archive: BagIt ISO images (xorriso), verify, burn, list');

  group.command('plan')
    .option('--media <m>', 'dvd | bd25 | bd50 | SIZE (e.g. 700M)')
    .option('--recordings <id...>', 'also archive these recordings')
    .option('--json', 'print JSON')
    .action(async (opts: { media?: string; recordings?: string[]; json?: boolean }, cmd: Command) => withContext(cmd, 'archive', (ctx) => {
      const p = archivePlan(env(ctx), { media: opts.media, recordings: opts.recordings ? recordingIds(opts.recordings) : [] });
      if (opts.json) {
        printJson(p.volumes.map((v) => ({ volume: v.volume, media: p.media, bytes: v.bytes, recordings: v.items.map((i) => i.recordingId) })));
        return;
      }
      for (const v of p.volumes) process.stdout.write(`volume ${v.volume} (${p.media}): ${v.items.length} recording(s), ~${v.bytes} bytes: ${v.items.map((i) => i.recordingId).join(', ')}\n`);
      process.stdout.write(`${p.volumes.length} volume(s) planned\n`);
    }));

  group.command('build')
    .option('--media <m>', 'dvd | bd25 | bd50 | SIZE')
    .option('--recordings <id...>', 'also archive these recordings')
    .option('--json', 'print JSON')
    .action(async (opts: { media?: string; recordings?: string[]; json?: boolean }, cmd: Command) => withContext(cmd, 'archive', async (ctx) => {
      const bar = progressBar(!opts.json);
      try {
        const built = await buildArchive(env(ctx), actorFor(ctx), {
          media: opts.media, recordings: opts.recordings ? recordingIds(opts.recordings) : [],
          onProgress: (p) => bar?.update(`${p.volume} (${p.index}/${p.count}) ${p.phase}`, p.percent),
        });
        bar?.stop();
        if (opts.json) { printJson(built); return; }
        for (const b of built) process.stdout.write(`${b.volume}: ${b.image}\n  sha256 ${b.sha256}, ${b.files} files, ${b.bytes} bytes, verified\n`);
        if (!built.length) process.stdout.write('nothing to archive (no major recordings off disc)\n');
      } finally { bar?.stop(); }
    }));

  group.command('verify')
    .argument('[image]', 'ISO image file')
    .option('--drive <dev>', 'verify the disc in this drive instead')
    .option('--json', 'print JSON')
    .action(async (image: string | undefined, opts: { drive?: string; json?: boolean }) => {
      const dev = opts.drive ?? image;
      if (!dev || (opts.drive && image)) throw new CliUsageError('give an IMAGE or --drive DEV (one of them)');
      const bar = progressBar(!opts.json);
      let r;
      try {
        r = await verifyDisc(dev, (d, t) => bar?.update('verifying', t ? (100 * d) / t : 100));
      } finally { bar?.stop(); }
      if (opts.json) printJson(r);
      else {
        for (const b of r.bad) process.stdout.write(`  BAD ${b.path}: ${b.problem}\n`);
        process.stdout.write(`${dev}: ${r.files} files checked, ${r.ok ? 'OK' : `${r.bad.length} problem(s): INTEGRITY PROBLEM`}\n`);
      }
      process.exitCode = r.ok ? EXIT.ok : EXIT.integrity;
    });

  group.command('burn')
    .argument('<volume>', 'disc label (archive list)')
    .option('--drive <dev>', 'optical drive (default: archive.drive in the YAML, else the first xorriso -devices finds)')
    .option('--stored-at <where>', 'where the disc will be kept (cabinet, room)')
    .option('--json', 'print JSON')
    .action(async (volume: string, opts: { drive?: string; storedAt?: string; json?: boolean }, cmd: Command) => withContext(cmd, 'archive', async (ctx) => {
      const bar = progressBar(!opts.json);
      let r;
      try {
        r = await burnDisc(ctx.custody, actorFor(ctx), volume, {
          drive: opts.drive ?? ctx.loaded.config.archive.drive, storedWhere: opts.storedAt, onPercent: (phase, p) => bar?.update(phase, p),
        });
      } finally { bar?.stop(); }
      if (opts.json) printJson(r);
      else process.stdout.write(`${r.volume} burned on ${r.drive}: ${r.verified ? 'read back and verified' : `VERIFY FAILED: ${r.check.bad.map((b) => b.path).join(', ')}`}\n`);
      process.exitCode = r.verified ? EXIT.ok : EXIT.integrity;
    }));

  group.command('list').option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, cmd: Command) => withContext(cmd, 'archive', (ctx) => {
      const rows = discRepo.listDiscs(ctx.custody.ctx());
      if (opts.json) { printJson(rows); return; }
      const t = new Table({ head: ['label', 'recordings', 'bytes', 'image sha256', 'built', 'by', 'burned', 'verified', 'stored at'] });
      for (const d of rows) {
        t.push([d.label, d.recordingIds.length, d.bytes, d.imageSha256.slice(0, 16), d.builtAt, d.builtBy, d.burnedAt ? `${d.burnedAt} (${d.drive ?? ''})` : 'not yet',
          d.verifiedAt ?? '', d.storedWhere ?? '']);
      }
      process.stdout.write(`${t.toString()}\n`);
    }));
}
