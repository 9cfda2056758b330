// evidock gap list|explain|review (art. 9): interruptions, their explanation (voice note or written
// report with an optional attachment in the store) and the unit head's review — never by the explainer.
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import Table from 'cli-table3';
import { openContext, printJson, type Context } from './context.js';
import { EXIT } from './exit.js';
import { NotPermittedError } from '../access/errors.js';
import { underSudo } from '../access/identity.js';
import type { GapExplanation, GapRow } from '../custody/index.js';
import { voiceNoteFits } from '../compliance/rules.js';
import { rulesOf } from '../compliance/scan.js';
import { explanationText } from '../compliance/reports.js';
import { stationTime } from '../compliance/format.js';

class UsageError extends Error { readonly exitCode = EXIT.usage; }

export function gapJson(g: GapRow) {
  return {
    id: g.id, device: g.device, badge: g.badge, beforeRecording: g.beforeRecording, afterRecording: g.afterRecording,
    gapStart: g.gapStart, gapEnd: g.gapEnd, gapSeconds: g.gapSeconds, status: g.status, explanation: explanationText(g),
    explainedBy: g.explainedBy, reviewedBy: g.reviewedBy, ...(g.reviewReason !== null ? { reviewReason: g.reviewReason } : {}),
  };
}

function parseId(text: string, what: string): number {
  const id = Number.parseInt(text, 10);
  if (!Number.isSafeInteger(id) || String(id) !== text) throw new UsageError(`${text}: not a ${what} id`);
  return id;
}

/** The gap, if the actor may act on it (action scoped to the gap's officer and unit); a refusal is audited. */
function gapFor(ctx: Context, id: number, action: string): GapRow {
  const g = ctx.custody.gaps.getGap(id);
  if (!g) throw new UsageError(`no gap ${id}`);
  if (!ctx.permits(action, ctx.subjectOf(g.badge))) {
    const why = `${ctx.actor.name} may not ${action.replace('gap.', '')} gap ${id} (officer ${g.badge ?? 'unknown'})`;
    ctx.custody.appendAudit('access.refused', { action, gapId: id, reason: why, osUser: ctx.actor.osUser });
    throw new NotPermittedError(`${action} ${id}`, why);
  }
  return g;
}

/** A written report's attachment, which the caller must be able to read themself (under sudo: theirs or world-readable). */
function checkAttachment(ctx: Context, file: string): string {
  let real: string;
  try { real = fs.realpathSync(file); } catch (e) { throw new UsageError(`--attach ${file}: ${(e as Error).message}`); }
  const st = fs.statSync(real);
  if (!st.isFile()) throw new UsageError(`--attach ${file}: not a regular file`);
  const rel = path.relative(path.resolve(ctx.loaded.config.dataDir), real);
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) throw new NotPermittedError(`--attach ${file}`, 'a file inside dataDir is custody\'s own, never an attachment');
  if (underSudo({ euid: process.geteuid?.() ?? 0, env: process.env })) {
    const uid = Number(process.env.SUDO_UID);
    if (st.uid !== uid && (st.mode & 0o004) === 0) throw new NotPermittedError(`--attach ${file}`, 'the file is neither yours nor readable by everyone');
  }
  return real;
}

async function withContext(cmd: Command, fn: (ctx: Context) => Promise<void> | void): Promise<void> {
  const ctx = openContext(cmd, { console: false, component: 'gap' });
  try {
    await fn(ctx);
  } catch (err) {
    if (err instanceof UsageError) { process.stderr.write(`evidock ${cmd.parent?.name() ?? ''} ${cmd.name()}: ${err.message}\n`); process.exitCode = EXIT.usage; return; }
    throw err;
  } finally {
    await ctx.close();
  }
}

export function registerGapCommands(program: Command): void {
  const gap = program.command('gap').description('interruptions of a recording (art. 9): explained by the officer, reviewed by the unit head');
  gap.command('list')
    .description('interruptions found in the recordings (each camera\'s segments, rules.* in the YAML)')
    .option('--open', 'only those not approved yet')
    .option('--json', 'print JSON')
    .action((opts: { open?: boolean; json?: boolean }, cmd: Command) => withContext(cmd, (ctx) => {
      const rows = ctx.custody.gaps.listGaps({ open: opts.open }).filter((g) => ctx.permits('gap.read', ctx.subjectOf(g.badge))).map(gapJson);
      if (opts.json) { printJson(rows); return; }
      const t = new Table({ head: ['id', 'camera', 'badge', 'from', 'seconds', 'status', 'explanation', 'reviewed by'] });
      for (const g of rows) t.push([g.id, g.device, g.badge ?? '', stationTime(g.gapStart, ctx.loaded.config.timezone), g.gapSeconds, g.status, g.explanation ?? '', g.reviewedBy ?? '']);
      process.stdout.write(`${t.toString()}\n${rows.length} interruption(s)\n`);
    }));
  gap.command('explain')
    .description('explain an interruption: the voice note recorded on resuming, or a written report')
    .argument('<id>', 'gap id')
    .option('--recording <rec>', 'the voice note: a recording of the same camera starting within rules.voiceExplanationSeconds after the gap')
    .option('--text <text>', 'a written report')
    .option('--attach <file>', 'with --text: a scanned report, stored (hashed) and audited')
    .option('--json', 'print JSON')
    .action((idText: string, opts: { recording?: string; text?: string; attach?: string; json?: boolean }, cmd: Command) => withContext(cmd, async (ctx) => {
      const id = parseId(idText, 'gap');
      if ((opts.recording === undefined) === (opts.text === undefined)) throw new UsageError('give either --recording REC or --text TEXT');
      if (opts.attach !== undefined && opts.text === undefined) throw new UsageError('--attach goes with --text');
      const g = gapFor(ctx, id, 'gap.explain');
      let e: GapExplanation;
      if (opts.recording !== undefined) {
        const rec = ctx.custody.getRecording(parseId(opts.recording, 'recording'));
        if (!rec) throw new UsageError(`--recording ${opts.recording}: no such recording`);
        const fit = voiceNoteFits(g, rec, rulesOf(ctx.loaded.config).voiceExplanationSeconds);
        if (!fit.ok) throw new UsageError(`--recording ${rec.id} does not explain gap ${id}: ${fit.why}`);
        e = { kind: 'voice', recording: rec.id };
      } else {
        e = { kind: 'text', text: opts.text };
        if (opts.attach !== undefined) {
          const file = checkAttachment(ctx, opts.attach);
          const stored = await ctx.store.ingestFile(file);
          e.attachment = { sha256: stored.sha256, size: stored.size, name: path.basename(file) };
          ctx.custody.appendAudit('gap.attachment', { gapId: id, sha256: stored.sha256, size: stored.size, name: path.basename(file) });
        }
      }
      const after = gapJson(ctx.custody.gaps.explainGap(id, e));
      if (opts.json) printJson(after);
      else process.stdout.write(`gap ${id} explained by ${ctx.actor.name}: ${after.explanation ?? ''}\n`);
    }));
  gap.command('review')
    .description('the unit head approves or rejects an explanation (never their own)')
    .argument('<id>', 'gap id')
    .option('--approve', 'accept the explanation')
    .option('--reject', 'refuse it (with --reason)')
    .option('--reason <text>', 'why (required with --reject)')
    .option('--json', 'print JSON')
    .action((idText: string, opts: { approve?: boolean; reject?: boolean; reason?: string; json?: boolean }, cmd: Command) => withContext(cmd, (ctx) => {
      const id = parseId(idText, 'gap');
      if (opts.approve === opts.reject) throw new UsageError('give either --approve or --reject --reason R');
      if (opts.reject && !opts.reason) throw new UsageError('--reject needs --reason');
      const g = gapFor(ctx, id, 'gap.review');
      if (g.status !== 'explained') throw new UsageError(`gap ${id} is ${g.status}: only an explained gap is reviewed`);
      if (g.explainedBy === ctx.actor.name) {
        const why = `${ctx.actor.name} explained gap ${id}: someone else reviews it`;
        ctx.custody.appendAudit('access.refused', { action: 'gap.review', gapId: id, reason: why, osUser: ctx.actor.osUser });
        throw new NotPermittedError(`gap review ${id}`, why);
      }
      const after = gapJson(ctx.custody.gaps.reviewGap(id, { approve: opts.approve === true, reason: opts.reason }));
      if (opts.json) printJson(after);
      else process.stdout.write(`gap ${id} ${after.status} by ${ctx.actor.name}\n`);
    }));
}
