// `evidock verify`: re-hash stored objects (all, or a rotating sample of the least recently
// verified), recompute the whole audit chain and check it against the signed checkpoints, and
// replay the log against the recordings (reconcile.ts). Collects every problem before reporting.
import type { Custody } from '../custody/index.js';
import type { Config } from '../config/schema.js';
import type { ObjectStore } from '../store/index.js';
import { verifyStore, type SampleSpec } from '../store/fixity.js';
import { reconcile, type ReconcileReport } from './reconcile.js';
import { auditVerify, type AuditVerifyReport } from '../audit/checkpoints.js';

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
}

export async function verifyCustody(
  custody: Custody, store: ObjectStore, sample?: SampleSpec, config?: Pick<Config, 'dataDir' | 'audit'>,
): Promise<VerifyReport> {
  const all = custody.listObjects(); // least recently verified first: a sample rotates through the store
  const res = await verifyStore(store, all, sample);
  const now = new Date().toISOString();
  const bad = new Set([...res.missing, ...res.mismatched]);
  const checkedOk = res.checkedHashes.filter((h) => !bad.has(h));
  custody.markVerified(checkedOk, now);
  const chain = custody.verifyAuditChain();
  const audit = config ? auditVerify(custody, config) : undefined;
  const rec = reconcile({
    entries: custody.iterateAudit(), recordings: custody.listRecordings(),
    objects: new Map(all.map((o) => [o.sha256, o.size])), storeHas: (h) => store.has(h),
  });
  custody.appendAudit('verify.run', {
    objects: all.length, checked: res.checkedHashes.length, missing: res.missing.length,
    mismatched: res.mismatched.length, chainOk: chain.ok,
    checkpointsOk: audit?.ok ?? null, reconcileProblems: rec.problems.length,
  });
  const report: VerifyReport = {
    objects: all.length, checked: res.checkedHashes.length, ok: checkedOk.length,
    missing: res.missing, mismatched: res.mismatched,
    auditChain: { ok: chain.ok, entries: chain.entries, head: chain.head, problems: chain.problems },
    ...(audit ? { audit } : {}), reconcile: rec,
  };
  if (!verifyPassed(report)) {
    const first = rec.problems[0] ?? audit?.problems[0]?.problem ?? chain.problems[0]?.problem
      ?? (res.missing[0] ? `object ${res.missing[0]} missing` : `object ${res.mismatched[0] ?? ''} mismatched`);
    custody.raiseAlert({ kind: 'verify.integrity', severity: 'critical', message: `verify found integrity problems: ${first}` });
  }
  return report;
}

export function verifyPassed(r: VerifyReport): boolean {
  return r.missing.length === 0 && r.mismatched.length === 0 && r.auditChain.ok && (r.audit?.ok ?? true) && r.reconcile.ok;
}
