import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { openContext, printJson } from './context.js';
import { ingestVolume } from '../ingest/ingest-volume.js';
import { chooseProfile } from '../ingest/choose-profile.js';
import { EXIT } from './exit.js';
import type { IngestSummary } from '../ingest/types.js';

export function registerIngestCommand(program: Command): void {
  program.command('ingest')
    .description('ingest one mounted camera volume now: copy, hash, verify, commit')
    .argument('<path>', 'mounted camera volume (or a directory holding one)')
    .option('--profile <name>', 'camera profile to use (default: the one whose marker the volume has)')
    .option('--json', 'print the summary as JSON')
    .action(async (target: string, opts: { profile?: string; json?: boolean }, cmd: Command) => {
      const root = path.resolve(target);
      const st = fs.statSync(root, { throwIfNoEntry: false });
      if (!st?.isDirectory()) {
        process.stderr.write(`evidock ingest: ${root}: not a directory\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const ctx = openContext(cmd, { console: !opts.json || !process.stderr.isTTY, component: 'ingest' });
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let bar: cliProgress.SingleBar | undefined;
      try {
        const profile = await chooseProfile(root, ctx.loaded.profiles, opts.profile);
        if (process.stderr.isTTY && !opts.json) {
          bar = new cliProgress.SingleBar({ stream: process.stderr, format: ' {bar} {percentage}% | {value}/{total} files | {file}' },
            cliProgress.Presets.shades_classic);
        }
        let started = false;
        const summary = await ingestVolume({
          root, profile, config: ctx.loaded.config, signal: abort.signal,
          onProgress: (p) => {
            if (!bar) return;
            if (!started) { bar.start(p.total, 0, { file: '' }); started = true; }
            bar.update(p.index, { file: p.file });
          },
        }, ctx);
        bar?.stop();
        if (opts.json) printJson(summary); else printSummary(summary);
        process.exitCode = summary.failed > 0 || summary.status !== 'complete' ? EXIT.failure : EXIT.ok;
      } finally {
        bar?.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await ctx.close();
      }
    });
}

function printSummary(s: IngestSummary): void {
  const lines = [
    `session ${s.session}  device ${s.device}${s.badge ? `  badge ${s.badge}` : ''}  profile ${s.profile}  ${s.status}`,
    `files ${s.files}  bytes ${s.bytes}  stored ${s.stored}  duplicates ${s.duplicates}  already recorded ${s.alreadyRecorded}  failed ${s.failed}`,
    ...s.errors.map((e) => `  error ${e.code}: ${e.message}`),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}
