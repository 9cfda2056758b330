// Row replication to the central catalog (issue 14): audit entries by seq, changed rows from the
// outbox (migration 13), signed checkpoint files by seq. Each batch is written to PostgreSQL in one
// transaction and only then does the local cursor move, so a crash or an outage at any point
// re-sends at most one batch, which the catalog absorbs (ON CONFLICT): nothing lost, nothing twice.
import fs from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/schema.js';
import type { Custody } from '../../custody/index.js';
import * as repo from '../../custody/catalog.js';
import { checkpointDirs, stationKeyDir, stationName } from '../../audit/checkpoints.js';
import { parseCheckpoint } from '../../audit/checkpoint.js';
import { loadPublicKey } from '../../audit/station-key.js';
import { upstreamStation } from '../station.js';
import type { Catalog, CheckpointRecord } from './pg.js';
import { encodeRow } from './rows.js';

export type CatalogConfig = Pick<Config, 'dataDir' | 'audit' | 'upstream'>;
export interface ReplicateEnv { custody: Custody; config: CatalogConfig }
export interface ReplicateResult {
  auditEntries: number; rows: number; deleted: number; checkpoints: number; batches: number; ms: number;
  /** everything was queued again: the catalog held less than the cursors said, or the outbox had been emptied */
  resent: boolean;
}

export const DEFAULT_BATCH = 500;

function publicKeyPem(config: CatalogConfig): string | null {
  try {
    return loadPublicKey(stationKeyDir(config)).export({ type: 'spki', format: 'pem' }) as string;
  } catch {
    return null; // no key before the first checkpoint; registered with the first one that has it
  }
}

/** Checkpoint files of this station at or after seq, with their signatures. */
export function checkpointFiles(config: CatalogConfig, fromSeq: number): CheckpointRecord[] {
  const dir = checkpointDirs(config)[0]!;
  const prefix = `checkpoint-${stationName(config)}-`;
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  const out: CheckpointRecord[] = [];
  for (const n of names.filter((x) => x.startsWith(prefix) && x.endsWith('.json')).sort()) {
    let bytes: Buffer;
    let signature: Buffer;
    try {
      bytes = fs.readFileSync(path.join(dir, n));
      signature = fs.readFileSync(path.join(dir, `${n}.sig`));
    } catch { continue; } // being written, or unreadable: `audit verify` names it; the next pass retries
    const cp = parseCheckpoint(bytes);
    if (typeof cp === 'string' || cp.seq < fromSeq) continue;
    out.push({ seq: cp.seq, at: cp.at, body: bytes.toString('utf8'), signature });
  }
  return out;
}

/**
 * Sends everything pending, batch by batch, until nothing is left (or maxBatches were sent).
 * Throws on the first failure; what was sent before it stays sent.
 */
export async function replicateOnce(env: ReplicateEnv, catalog: Catalog, opts: { batch?: number; maxBatches?: number; stop?: () => boolean } = {}): Promise<ReplicateResult> {
  const t0 = performance.now();
  const batch = opts.batch ?? DEFAULT_BATCH;
  const max = opts.maxBatches ?? Infinity;
  const more = () => r.batches < max && !opts.stop?.();
  const ctx = env.custody.ctx();
  const r: ReplicateResult = { auditEntries: 0, rows: 0, deleted: 0, checkpoints: 0, batches: 0, ms: 0, resent: false };
  const stationId = await catalog.registerStation(upstreamStation(env.config), publicKeyPem(env.config));
  await catalog.lockStation(stationId);
  try {
    // A new catalog, or one restored from an older backup, holds less than the cursors say: send it all again
    // (what it still has is ignored on arrival).
    if (await catalog.auditHead(stationId) < repo.cursor(ctx, 'audit_log')) { repo.resendAll(ctx); r.resent = true; }
    if (repo.reseedIfNeeded(ctx)) r.resent = true;

    while (more()) {
      const entries = repo.auditAfter(ctx, repo.cursor(ctx, 'audit_log'), batch);
      if (!entries.length) break;
      await catalog.insertAudit(stationId, entries);
      repo.advanceCursor(ctx, 'audit_log', entries[entries.length - 1]!.seq);
      r.auditEntries += entries.length;
      r.batches++;
    }
    while (more()) {
      const items = repo.outboxAfter(ctx, repo.cursor(ctx, 'outbox'), batch);
      if (!items.length) break;
      const changed = repo.currentRows(ctx, items);
      const res = await catalog.applyRows(stationId, changed.map((c) => ({ tbl: c.tbl, rid: c.rid, data: c.row ? encodeRow(c.row) : null })));
      repo.advanceCursor(ctx, 'outbox', items[items.length - 1]!.seq);
      r.rows += changed.filter((c) => c.row).length;
      r.deleted += res.deleted;
      r.batches++;
    }
    const cps = checkpointFiles(env.config, repo.cursor(ctx, 'checkpoints'));
    if (cps.length && more()) {
      r.checkpoints = await catalog.insertCheckpoints(stationId, cps); // those at the cursor's seq again: already there, not counted
      repo.advanceCursor(ctx, 'checkpoints', Math.max(...cps.map((c) => c.seq)));
    }
    if (!opts.stop?.()) repo.recordOutcome(ctx, null);
  } finally {
    await catalog.unlockStation(stationId).catch(() => {}); // a dead connection has released it already
  }
  r.ms = performance.now() - t0;
  return r;
}
