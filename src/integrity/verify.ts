// `evidock verify`: re-hash stored objects (all, or a rotating sample of the least recently
// verified) and recompute the whole audit chain. Collects every problem before reporting.
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
}

export async function verifyCustody(custody: Custody, store: ObjectStore, sample?: SampleSpec): Promise<VerifyReport> {
  const all = custody.listObjects(); // least recently verified first: a sample rotates through the store
  const res = await verifyStore(store, all, sample);
  const now = new Date().toISOString();
  const bad = new Set([...res.missing, ...res.mismatched]);
  const checkedOk = res.checkedHashes.filter((h) => !bad.has(h));
  custody.markVerified(checkedOk, now);
  const chain = custody.verifyAuditChain();
  custody.appendAudit('verify.run', {
    objects: all.length, checked: res.checkedHashes.length, missing: res.missing.length,
    mismatched: res.mismatched.length, chainOk: chain.ok,
  });
  return {
    objects: all.length, checked: res.checkedHashes.length, ok: checkedOk.length,
    missing: res.missing, mismatched: res.mismatched,
    auditChain: { ok: chain.ok, entries: chain.entries, head: chain.head, problems: chain.problems },
  };
}

export function verifyPassed(r: VerifyReport): boolean {
  return r.missing.length === 0 && r.mismatched.length === 0 && r.auditChain.ok;
}
