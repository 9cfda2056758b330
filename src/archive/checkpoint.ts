// The audit checkpoint each disc carries (ARCHITECTURE §2 invariant 3): the chain's head when the disc was
// built, so a later truncation or rewrite of the log is detectable from the disc alone.
import type { Custody } from '../custody/index.js';

export interface DiscCheckpoint {
  /** Files written into the bag's data/custody/ (name → content). */
  files: { name: string; content: string }[];
  seq: number;
  hash: string;
  at: string;
  signed: boolean;
}

/**
 * The checkpoint for one disc. Today it is the unsigned head {seq, hash, at}; the station's
 * signed checkpoint (and its public key, as station-public-key.pem) replace it here once the
 * station key exists, so the bag and its manifests pick them up unchanged.
 */
export function checkpointForDisc(custody: Custody, now: Date = new Date()): DiscCheckpoint {
  const head = custody.auditHead();
  const cp = { seq: head.seq, hash: head.hash, at: now.toISOString() };
  return {
    files: [{ name: 'checkpoint.json', content: `${JSON.stringify(cp)}\n` }],
    ...cp, signed: false,
  };
}
