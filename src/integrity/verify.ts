// `evidock verify`: re-hash stored objects (all, or a rotating sample of the least recently
// verified) and recompute the whole audit chain. Collects every problem before reporting.
// Every run is a custody event: a `verify.run` audit entry says what was checked and names every
// failure, and a failed run raises a critical `integrity` alert, so a problem found is never only
// a line on someone's terminal.
import type { Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import { verifyStore, type SampleSpec } from '../store/fixity.js';

export interface VerifyReport {
  objects: number;
  checked: number;
  ok: number;
  missing: string[];
  mismatched: string[];
  auditChain: { ok: boolean; entries: number; head: string; problems: { seq: number; problem: string }[] };
  /** The `integrity` alert raised for a failed run. */
  alertId?: number;
}

export function verifyPassed(r: Pick<VerifyReport, 'missing' | 'mismatched' | 'auditChain'>): boolean {
  return r.missing.length === 0 && r.mismatched.length === 0 && r.auditChain.ok;
}

/** Pure: the alert text for a failed run, naming what failed (the audit entry has the full lists). */
export function failureMessage(r: Pick<VerifyReport, 'missing' | 'mismatched' | 'auditChain'>): string {
  const parts: string[] = [];
  const few = (xs: string[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? `, … (${xs.length} in all)` : ''}`;
  if (r.missing.length) parts.push(`${r.missing.length} object(s) missing: ${few(r.missing)}`);
  if (r.mismatched.length) parts.push(`${r.mismatched.length} object(s) no longer match their SHA-256: ${few(r.mismatched)}`);
  if (!r.auditChain.ok) {
    parts.push(`audit chain broken: ${few(r.auditChain.problems.map((p) => `seq ${p.seq} ${p.problem}`))}`);
  }
  return `verify found integrity problems: ${parts.join('; ')}`;
}

export async function verifyCustody(custody: Custody, store: ObjectStore, sample?: SampleSpec): Promise<VerifyReport> {
  const all = custody.listObjects(); // least recently verified first: a sample rotates through the store
  const what = { objects: all.length, sample: sample ? { ...sample } : 'all' };
  let res: Awaited<ReturnType<typeof verifyStore>>;
  try {
    res = await verifyStore(store, all, sample);
  } catch (err) {
    // A run that could not finish is still told: audited and alerted, then reported by the caller.
    const message = `verify could not finish: ${(err as Error).message}`;
    custody.appendAudit('verify.run', { ...what, ok: false, error: (err as Error).message });
    custody.raiseAlert({ kind: 'integrity', severity: 'critical', message });
    throw err;
  }
  const now = new Date().toISOString();
  const bad = new Set([...res.missing, ...res.mismatched]);
  const checkedOk = res.checkedHashes.filter((h) => !bad.has(h));
  custody.markVerified(checkedOk, now, 'verify');
  const chain = custody.verifyAuditChain();
  const report: VerifyReport = {
    objects: all.length, checked: res.checkedHashes.length, ok: checkedOk.length,
    missing: res.missing, mismatched: res.mismatched,
    auditChain: { ok: chain.ok, entries: chain.entries, head: chain.head, problems: chain.problems },
  };
  const passed = verifyPassed(report);
  custody.appendAudit('verify.run', {
    ...what, checked: report.checked, okObjects: report.ok, ok: passed,
    missing: report.missing, mismatched: report.mismatched,
    auditChain: { ok: chain.ok, entries: chain.entries, head: chain.head, problems: chain.problems },
  });
  if (!passed) report.alertId = custody.raiseAlert({ kind: 'integrity', severity: 'critical', message: failureMessage(report) });
  return report;
}
