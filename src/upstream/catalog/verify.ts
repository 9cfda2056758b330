// `upstream catalog-verify`: each station's chain as the catalog holds it, recomputed on its own
// (same canonical form and hashes as on the station), and each signed checkpoint checked with the
// station's public key kept in the catalog. A row changed in the catalog breaks its hash; a removed
// tail or a rewritten chain no longer matches the signed checkpoints.
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import { checkAuditRows, type AuditProblem } from '../../custody/audit.js';
import { parseCheckpoint } from '../../audit/checkpoint.js';
import { checkCheckpoints, type CheckpointInput } from '../../audit/check.js';
import type { Catalog } from './pg.js';

export interface StationVerification {
  station: string;
  ok: boolean;
  entries: number;
  head: { seq: number; hash: string };
  checkpoints: { count: number; ok: number };
  problems: AuditProblem[];
}

export async function verifyCatalog(catalog: Catalog, only?: readonly string[]): Promise<StationVerification[]> {
  const stations = (await catalog.stations()).filter((s) => !only?.length || only.includes(s.name));
  const unknown = (only ?? []).filter((n) => !stations.some((s) => s.name === n));
  if (unknown.length) throw Object.assign(new Error(`catalog: no station named ${unknown.join(', ')}`), { exitCode: 2 });
  const out: StationVerification[] = [];
  for (const s of stations) {
    const chain = checkAuditRows(await catalog.auditRows(s.id));
    const problems = [...chain.problems];
    let key: KeyObject | null = null;
    if (s.publicKey) {
      try { key = createPublicKey(s.publicKey); } catch (err) { problems.push({ seq: 0, problem: `station public key unreadable: ${(err as Error).message}` }); }
    }
    const found: CheckpointInput[] = (await catalog.checkpoints(s.id)).map((c) => {
      const file = `catalog checkpoint seq ${c.seq} at ${c.at}`;
      const cp = parseCheckpoint(Buffer.from(c.body, 'utf8'));
      if (typeof cp === 'string') return { file, signatureOk: false, error: cp };
      if (!key) return { file, checkpoint: cp, signatureOk: false, error: 'the station has no public key in the catalog' };
      return { file, checkpoint: cp, signatureOk: verify(null, Buffer.from(c.body, 'utf8'), key, c.signature) };
    });
    const checked = checkCheckpoints((seq) => chain.hashes.get(seq), { seq: chain.headSeq }, found);
    for (const f of checked.failed) problems.push({ seq: f.seq ?? 0, problem: `${f.file}: ${f.problem}: ${f.detail}` });
    out.push({
      station: s.name, ok: problems.length === 0, entries: chain.entries, head: { seq: chain.headSeq, hash: chain.head },
      checkpoints: { count: checked.count, ok: checked.ok }, problems,
    });
  }
  return out;
}
