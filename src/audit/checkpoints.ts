// Writing checkpoints (on demand, every audit.checkpointEvery entries, hourly, at daemon stop) and
// `audit verify`: the chain recomputed and checked against every checkpoint found.
import type { KeyObject } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../config/schema.js';
import type { AuditProblem, Custody } from '../custody/index.js';
import type { Logger } from '../util/logger.js';
import { CHECKPOINT_VERSION, lastCheckpointSeq, readCheckpoints, signCheckpoint, writeCheckpointFiles, type Checkpoint } from './checkpoint.js';
import { checkCheckpoints, type CheckpointFailure } from './check.js';
import { ensureStationKey, keyDirOf, loadPublicKey } from './station-key.js';

type AuditConfig = Pick<Config, 'dataDir' | 'audit'>;

export function stationName(config: AuditConfig): string {
  return config.audit.station ?? os.hostname().replace(/[^A-Za-z0-9._-]/g, '_');
}

export function stationKeyDir(config: AuditConfig): string {
  return keyDirOf(config.dataDir, config.audit.keyDir);
}

/** <dataDir>/checkpoints first, then every audit.checkpointDirs entry. */
export function checkpointDirs(config: AuditConfig): string[] {
  return [path.join(config.dataDir, 'checkpoints'), ...config.audit.checkpointDirs];
}

export interface CheckpointWritten { seq: number; hash: string; at: string; file: string; signatureFile: string; copies: string[]; failedCopies: string[] }

/** Signs the current head and writes it to every checkpoint directory and the log. */
export function writeCheckpoint(custody: Custody, config: AuditConfig, logger?: Logger): CheckpointWritten {
  const key = ensureStationKey(stationKeyDir(config));
  const head = custody.auditHead();
  const cp: Checkpoint = { v: CHECKPOINT_VERSION, station: stationName(config), seq: head.seq, hash: head.hash, at: new Date().toISOString() };
  const signature = signCheckpoint(cp, key.privateKey);
  const [primary, ...others] = checkpointDirs(config);
  const first = writeCheckpointFiles(primary!, cp, signature);
  const copies: string[] = [];
  const failedCopies: string[] = [];
  for (const dir of others) {
    try {
      copies.push(writeCheckpointFiles(dir, cp, signature).file);
    } catch (err) {
      // A share that is offline must not stop the others; it is said in the log and as an alert.
      failedCopies.push(dir);
      logger?.warn(`audit checkpoint: cannot write to ${dir}: ${(err as Error).message}`);
      custody.raiseAlert({ kind: 'audit.checkpoint.copy', severity: 'warning', message: `checkpoint at seq ${cp.seq} not written to ${dir}: ${(err as Error).message}` });
    }
  }
  // The journal is the third place the head leaves the database.
  logger?.info('audit checkpoint', { checkpoint: cp, signature: signature.toString('base64') });
  return { seq: cp.seq, hash: cp.hash, at: cp.at, ...first, copies, failedCopies };
}

/** A checkpoint when audit.checkpointEvery entries were appended since the last one (or `force` and the head moved). */
export function maybeCheckpoint(custody: Custody, config: AuditConfig, logger?: Logger, opts: { force?: boolean } = {}): CheckpointWritten | undefined {
  const last = lastCheckpointSeq(checkpointDirs(config)[0]!, stationName(config));
  const head = custody.auditHead();
  const due = head.seq - last >= config.audit.checkpointEvery || (opts.force === true && head.seq > last);
  return due ? writeCheckpoint(custody, config, logger) : undefined;
}

export interface AuditVerifyReport {
  entries: number;
  ok: boolean;
  head: { seq: number; hash: string };
  checkpoints: { count: number; ok: number; failed: CheckpointFailure[] };
  problems: AuditProblem[];
}

export function auditVerify(custody: Custody, config: AuditConfig, extraDirs: readonly string[] = []): AuditVerifyReport {
  const chain = custody.verifyAuditChain();
  const hashes = custody.auditHashes();
  const head = custody.auditHead();
  const station = stationName(config);
  const dirs = [...new Set([...checkpointDirs(config), ...extraDirs.map((d) => path.resolve(d))])];
  const problems: AuditProblem[] = [...chain.problems];
  let publicKey: KeyObject | null = null;
  try {
    publicKey = loadPublicKey(stationKeyDir(config));
  } catch (err) {
    // No key yet is fine while there is no checkpoint; any checkpoint found is then named.
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') problems.push({ seq: 0, problem: `station public key unreadable: ${(err as Error).message}` });
  }
  const found = dirs.flatMap((d) => readCheckpoints(d, station, publicKey));
  const checked = checkCheckpoints((seq) => hashes.get(seq), head, found);
  for (const f of checked.failed) problems.push({ seq: f.seq ?? 0, problem: `checkpoint ${f.file}: ${f.problem}: ${f.detail}` });
  return { entries: chain.entries, ok: problems.length === 0, head, checkpoints: checked, problems };
}
