// The signed audit checkpoint each disc carries (ARCHITECTURE §2 invariant 3): the chain's head when
// the disc was built, signed with the station's Ed25519 key, and that key's public half, so a later
// truncation or rewrite of the log is detectable from the disc alone, with stock OpenSSL.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { Config } from '../config/schema.js';
import type { Custody } from '../custody/index.js';
import type { Logger } from '../util/logger.js';
import { stationKeyDir, writeCheckpoint } from '../audit/checkpoints.js';
import { loadPublicKey } from '../audit/station-key.js';

/** Where the three files sit in the bag (also named in README.txt and index.html on the disc). */
export const DISC_CHECKPOINT = 'data/custody/checkpoint.json';
export const DISC_SIGNATURE = 'data/custody/checkpoint.json.sig';
export const DISC_PUBLIC_KEY = 'data/custody/station-public-key.pem';

export interface DiscCheckpoint {
  /** Files written into the bag (path in the bag → exact bytes; the signature is binary). */
  files: { path: string; data: Buffer }[];
  station: string;
  seq: number;
  hash: string;
  at: string;
  /** SHA-256 of the public key (DER SubjectPublicKeyInfo), to compare with `evidock audit pubkey`. */
  keyFingerprint: string;
}

/** The OpenSSL command that checks the disc's checkpoint, run in the bag's root directory. */
export const OPENSSL_VERIFY = `openssl pkeyutl -verify -pubin -inkey ${DISC_PUBLIC_KEY} -rawin -in ${DISC_CHECKPOINT} -sigfile ${DISC_SIGNATURE}`;

/**
 * Signs the current head as an ordinary station checkpoint (written to every checkpoint directory,
 * so `audit verify` checks it too) and returns the same bytes for the disc: the signed bytes are
 * exactly checkpoint.json.
 */
export function checkpointForDisc(custody: Custody, config: Pick<Config, 'dataDir' | 'audit'>, logger?: Logger): DiscCheckpoint {
  const w = writeCheckpoint(custody, config, logger);
  const json = fs.readFileSync(w.file);
  const sig = fs.readFileSync(w.signatureFile);
  const pub = loadPublicKey(stationKeyDir(config));
  const pem = Buffer.from(pub.export({ type: 'spki', format: 'pem' }) as string, 'utf8');
  const station = (JSON.parse(json.toString('utf8')) as { station: string }).station;
  return {
    files: [
      { path: DISC_CHECKPOINT, data: json },
      { path: DISC_SIGNATURE, data: sig },
      { path: DISC_PUBLIC_KEY, data: pem },
    ],
    station, seq: w.seq, hash: w.hash, at: w.at,
    keyFingerprint: createHash('sha256').update(pub.export({ type: 'spki', format: 'der' })).digest('hex'),
  };
}
