import type { Command } from 'commander';
import { openContext, printJson } from './context.js';
import { verifyCustody, verifyPassed } from '../integrity/verify.js';
import { parseSample } from '../store/fixity.js';
import { EXIT } from './exit.js';
import { printAuditVerify } from './audit.js';

export function registerVerifyCommand(program: Command): void {
  program.command('verify')
    .description('re-hash stored objects and check the audit chain (exit 3 on any problem)')
    .option('--sample <n|p%>', 'check only N objects or P% of them, least recently verified first')
    .option('--json', 'print the report as JSON')
    .action(async (opts: { sample?: string; json?: boolean }, cmd: Command) => {
      const sample = opts.sample !== undefined ? parseSample(opts.sample) : undefined;
      const ctx = openContext(cmd, { console: !opts.json, component: 'verify' });
      try {
        const r = await verifyCustody(ctx.custody, ctx.store, sample, ctx.loaded.config);
        const passed = verifyPassed(r);
        if (opts.json) printJson(r);
        else {
          const out = [
            `objects ${r.objects}  checked ${r.checked}  ok ${r.ok}  missing ${r.missing.length}  mismatched ${r.mismatched.length}`,
            ...r.missing.map((h) => `  missing    ${h}`),
            ...r.mismatched.map((h) => `  mismatched ${h}`),
            ...(r.audit ? printAuditVerify(r.audit) : [
              `audit chain ${r.auditChain.ok ? 'ok' : 'BROKEN'}: ${r.auditChain.entries} entries, head ${r.auditChain.head.slice(0, 16)}…`,
              ...r.auditChain.problems.map((p) => `  audit seq ${p.seq}: ${p.problem}`)]),
            `custody ${r.reconcile.ok ? 'matches' : 'DIFFERS FROM'} the audit log: ${r.reconcile.live} live, ${r.reconcile.committed} committed, ${r.reconcile.tombstoned} tombstoned`,
            ...r.reconcile.problems.map((p) => `  ${p}`),
            passed ? 'verify: OK' : 'verify: INTEGRITY PROBLEM',
          ];
          process.stdout.write(out.join('\n') + '\n');
        }
        if (!passed) ctx.logger.error('verify found integrity problems', { missing: r.missing.length, mismatched: r.mismatched.length, chainOk: r.auditChain.ok, audit: r.audit?.problems, reconcile: r.reconcile.problems });
        process.exitCode = passed ? EXIT.ok : EXIT.integrity;
      } finally {
        await ctx.close();
      }
    });
}
