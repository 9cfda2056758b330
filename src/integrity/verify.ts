// `evidock verify`: re-hash stored objects (all, or a rotating sample of the least recently
// verified), recompute the whole audit chain and check it against the signed checkpoints, and
// replay the log against the recordings (reconcile.ts). Collects every problem before reporting.
// Every run is a custody event: a `verify.run` audit entry says what was checked and names every
// failure, and a failed run raises one critical `integrity` alert, so a problem found is never only
// a line on someone's terminal.
import type { Custody } from '../custody/index.js';
import type { Config } from '../config/schema.js';
import type { ObjectStore } from '../store/index.js';
import { verifyStore, type SampleSpec } from '../store/fixity.js';
import { reconcile, type ReconcileReport } from './reconcile.js';
import { auditVerify, type AuditVerifyReport } from '../audit/checkpoints.js';
import { retention, upstreamObjects } from '../custody/index.js';
import { tombstoneProblems, type PurgeEntry } from '../retention/tombstones.js';

export interface VerifyReport {
  objects: number;
  checked: number;
  ok: number;
  missing: string[];
  mismatched: string[];
  auditChain: { ok: boolean; entries: number; head: string; problems: { seq: number; problem: string }[] };
  /** The chain against its signed checkpoints (`evidock audit verify`); absent without a configuration. */
  audit?: AuditVerifyReport;
  /** Custody replayed from the audit log against the live recordings and objects. */
  reconcile: ReconcileReport;
  /** Purged recordings: each tombstone matches its `recording.purged` audit entry. */
  tombstones: { count: number; problems: string[] };
  /** The `integrity` alert raised for a failed run. */
  alertId?: number;
}

type Verdict = Pick<VerifyReport, 'missing' | 'mismatched' | 'auditChain'> & Partial<Pick<VerifyReport, 'audit' | 'reconcile' | 'tombstones'>>;

export function verifyPassed(r: Verdict): boolean {
  return r.missing.length === 0 && r.mismatched.length === 0 && r.auditChain.ok && (r.audit?.ok ?? true) && (r.reconcile?.ok ?? true)
    && (r.tombstones?.problems.length ?? 0) === 0;
}

/** Pure: the alert text for a failed run, naming what failed (the audit entry has the full lists). */
export function failureMessage(r: Verdict): string {
  const parts: string[] = [];
  const few = (xs: string[]) => `${xs.slice(0, 5).join(', ')}${xs.length > 5 ? `, … (${xs.length} in all)` : ''}`;
  if (r.missing.length) parts.push(`${r.missing.length} object(s) missing: ${few(r.missing)}`);
  if (r.mismatched.length) parts.push(`${r.mismatched.length} object(s) no longer match their SHA-256: ${few(r.mismatched)}`);
  if (!r.auditChain.ok) parts.push(`audit chain broken: ${few(r.auditChain.problems.map((p) => `seq ${p.seq} ${p.problem}`))}`);
  if (r.audit && !r.audit.ok) parts.push(`audit checkpoints: ${few(r.audit.problems.map((p) => p.problem))}`);
  if (r.reconcile && !r.reconcile.ok) parts.push(`custody differs from the audit log: ${few(r.reconcile.problems)}`);
  if (r.tombstones?.problems.length) parts.push(`purges: ${few(r.tombstones.problems)}`);
  return `verify found integrity problems: ${parts.join('; ')}`;
}

export async function verifyCustody(
  custody: Custody, store: ObjectStore, sample?: SampleSpec, config?: Pick<Config, 'dataDir' | 'audit'>,
): Promise<VerifyReport> {
  // An object pruned locally lives in the backend bucket (issue 14): not missing, and not re-hashed here.
  const offloaded = upstreamObjects.prunedObjects(custody.ctx());
  const all = custody.listObjects().filter((o) => !offloaded.has(o.sha256) || store.has(o.sha256)); // least recently verified first: a sample rotates through the store
  const what = { objects: all.length, sample: sample ? { ...sample } : 'all' };
  let res: Awaited<ReturnType<typeof verifyStore>>;
  try {
    res = await verifyStore(store, all, sample);
  } catch (err) {
    // A run that could not finish is still told: audited and alerted, then reported by the caller.
    custody.appendAudit('verify.run', { ...what, ok: false, error: (err as Error).message });
    custody.raiseAlert({ kind: 'integrity', severity: 'critical', message: `verify could not finish: ${(err as Error).message}` });
    throw err;
  }
  const now = new Date().toISOString();
  const bad = new Set([...res.missing, ...res.mismatched]);
  const checkedOk = res.checkedHashes.filter((h) => !bad.has(h));
  custody.markVerified(checkedOk, now, 'verify');
  const chain = custody.verifyAuditChain();
  const audit = config ? auditVerify(custody, config) : undefined;
  const rec = reconcile({
    entries: custody.iterateAudit(), recordings: custody.listRecordings(),
    objects: new Map(custody.listObjects().map((o) => [o.sha256, o.size])), storeHas: (h) => store.has(h) || offloaded.has(h),
  });
  const tombs = retention.listTombstones(custody.ctx());
  const purgeProblems = tombstoneProblems(custody.listAudit({ event: 'recording.purged' }) as PurgeEntry[], tombs,
    (id) => custody.getRecording(id) !== undefined);
  const report: VerifyReport = {
    objects: all.length, checked: res.checkedHashes.length, ok: checkedOk.length,
    missing: res.missing, mismatched: res.mismatched,
    auditChain: { ok: chain.ok, entries: chain.entries, head: chain.head, problems: chain.problems },
    ...(audit ? { audit } : {}), reconcile: rec,
    tombstones: { count: tombs.length, problems: purgeProblems },
  };
  const passed = verifyPassed(report);
  custody.appendAudit('verify.run', {
    ...what, checked: report.checked, okObjects: report.ok, ok: passed,
    missing: report.missing, mismatched: report.mismatched,
    auditChain: { ok: chain.ok, entries: chain.entries, head: chain.head, problems: chain.problems },
    checkpointsOk: audit?.ok ?? null, reconcileProblems: rec.problems, tombstoneProblems: purgeProblems,
  });
  if (!passed) report.alertId = custody.raiseAlert({ kind: 'integrity', severity: 'critical', message: failureMessage(report) });
  return report;
}
