import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { openContext, printJson } from './context.js';
import { runDockSession, type DockSessionResult } from '../session/dock-session.js';
import { directoryVolume } from '../ingest/directory-volume.js';
import { EXIT } from './exit.js';

export function registerIngestCommand(program: Command): void {
  program.command('ingest')
    .description('ingest one mounted camera volume now: checks, copy, hash, verify, commit, clock sync')
    .argument('<path>', 'mounted camera volume (or a directory holding one)')
    .option('--profile <name>', 'camera profile to use (default: the first profile that matches the volume)')
    .option('--wipe', 'delete verified, committed files from the camera afterwards (whatever the profile says)')
    .option('--json', 'print the summary as JSON')
    .action(async (target: string, opts: { profile?: string; wipe?: boolean; json?: boolean }, cmd: Command) => {
      const root = path.resolve(target);
      const st = fs.statSync(root, { throwIfNoEntry: false });
      if (!st?.isDirectory()) {
        process.stderr.write(`evidock ingest: ${root}: not a directory\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const ctx = openContext(cmd, { console: !opts.json || !process.stderr.isTTY, component: 'ingest' });
      // Custody's own files (keys, database, store) are never evidence: through sudo this would copy them out of reach.
      const rel = path.relative(ctx.loaded.config.dataDir, fs.realpathSync(root));
      if (!rel.startsWith('..') && !path.isAbsolute(rel)) {
        await ctx.close();
        process.stderr.write(`evidock ingest: ${root} is inside dataDir ${ctx.loaded.config.dataDir}\n`);
        process.exitCode = EXIT.usage;
        return;
      }
      const abort = new AbortController();
      const onSignal = () => abort.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      let bar: cliProgress.SingleBar | undefined;
      try {
        if (process.stderr.isTTY && !opts.json) {
          bar = new cliProgress.SingleBar({ stream: process.stderr, format: ' {bar} {percentage}% | {value}/{total} files | {file}' },
            cliProgress.Presets.shades_classic);
        }
        let started = false;
        const result = await runDockSession(await directoryVolume(root, 'cli'), ctx.loaded, ctx, {
          signal: abort.signal, profileName: opts.profile, ...(opts.wipe ? { wipe: true } : {}),
          onProgress: (p) => {
            if (!bar) return;
            if (!started) { bar.start(p.total, 0, { file: '' }); started = true; }
            bar.update(p.index, { file: p.file });
          },
        });
        bar?.stop();
        if (opts.json) printJson(result); else printSummary(result);
        const rotten = result.wipe && 'kept' in result.wipe && result.wipe.kept.some((k) => /^stored object (mismatch|missing)/.test(k.reason));
        process.exitCode = rotten ? EXIT.integrity
          : result.failed > 0 || result.status !== 'complete' ? EXIT.failure : EXIT.ok;
      } finally {
        bar?.stop();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await ctx.close();
      }
    });
}

function printSummary(s: DockSessionResult): void {
  const c = s.checks.clock;
  const offset = c.offsetS === null
    ? `not measured${c.aheadAtLeastS ? ` (ahead by at least ${c.aheadAtLeastS} s)` : ''}` : `${c.offsetS} s (camera − workstation)`;
  const storage = s.checks.storage ? `${Math.round(s.checks.storage.usedBytes / 1e6)} MB used, ${Math.round(s.checks.storage.freeBytes / 1e6)} MB free` : '?';
  const lines = [
    `session ${s.session}  device ${s.device}${s.badge ? `  badge ${s.badge}` : ''}  profile ${s.profile}${s.profileMatched ? '' : ' (no profile matched)'}  ${s.status}`,
    `checks: clock ${offset}; battery ${s.checks.batteryPct ?? '?'} %; storage ${storage}`,
    `files ${s.files}  bytes ${s.bytes}  stored ${s.stored}  duplicates ${s.duplicates}  already recorded ${s.alreadyRecorded}  failed ${s.failed}`,
    ...s.errors.map((e) => `  error ${e.code}: ${e.message}`),
  ];
  if (s.clockSync) {
    lines.push('skipped' in s.clockSync ? `clock sync skipped: ${s.clockSync.skipped}`
      : s.clockSync.ok ? `camera clock set (${s.clockSync.method}${s.clockSync.written ? `: ${s.clockSync.file} = ${s.clockSync.written}` : ''})`
        : `camera clock NOT set (${s.clockSync.method}): ${s.clockSync.error}`);
  }
  if (s.wipe) {
    lines.push('skipped' in s.wipe ? `wipe skipped: ${s.wipe.skipped}` : `wipe: ${s.wipe.deleted.length} deleted, ${s.wipe.kept.length} kept`);
    if ('kept' in s.wipe) lines.push(...s.wipe.kept.map((k) => `  kept ${k.path}: ${k.reason}`));
  }
  lines.push(...s.alerts.map((a) => `alert ${a.severity} ${a.kind}: ${a.message}`));
  process.stdout.write(lines.join('\n') + '\n');
}
