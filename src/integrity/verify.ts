// `evidock verify`: re-hash stored objects (all, or a rotating sample of the least recently
// verified) and recompute the whole audit chain. Collects every problem before reporting.
import type { Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import { verifyStore, type SampleSpec } from '../store/fixity.js';
import { retention } from '../custody/index.js';
import { tombstoneProblems, type PurgeEntry } from '../retention/tombstones.js';

export interface VerifyReport {
  objects: number;
  checked: number;
  ok: number;
  missing: string[];
  mismatched: string[];
  auditChain: { ok: boolean; entries: number; head: string; problems: { seq: number; problem: string }[] };
  /** Purged recordings: each tombstone matches its `recording.purged` audit entry. */
  tombstones: { count: number; problems: string[] };
}

export async function verifyCustody(custody: Custody, store: ObjectStore, sample?: SampleSpec): Promise<VerifyReport> {
  const all = custody.listObjects(); // least recently verified first: a sample rotates through the store
  const res = await verifyStore(store, all, sample);
  const now = new Date().toISOString();
  const bad = new Set([...res.missing, ...res.mismatched]);
  const checkedOk = res.checkedHashes.filter((h) => !bad.has(h));
  custody.markVerified(checkedOk, now);
  const chain = custody.verifyAuditChain();
  const tombs = retention.listTombstones(custody.ctx());
  const purgeProblems = tombstoneProblems(custody.listAudit({ event: 'recording.purged' }) as PurgeEntry[], tombs,
    (id) => custody.getRecording(id) !== undefined);
  custody.appendAudit('verify.run', {
    objects: all.length, checked: res.checkedHashes.length, missing: res.missing.length,
    mismatched: res.mismatched.length, chainOk: chain.ok, tombstoneProblems: purgeProblems.length,
  });
  return {
    objects: all.length, checked: res.checkedHashes.length, ok: checkedOk.length,
    missing: res.missing, mismatched: res.mismatched,
    auditChain: { ok: chain.ok, entries: chain.entries, head: chain.head, problems: chain.problems },
    tombstones: { count: tombs.length, problems: purgeProblems },
  };
}

export function verifyPassed(r: VerifyReport): boolean {
  return r.missing.length === 0 && r.mismatched.length === 0 && r.auditChain.ok && r.tombstones.problems.length === 0;
}
