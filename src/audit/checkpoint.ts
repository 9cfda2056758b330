// Signed checkpoints of the audit chain's head (ARCHITECTURE §2 invariant 3): a small canonical JSON
// {v, station, seq, hash, at} and its detached Ed25519 signature, written outside the database
// (<dataDir>/checkpoints, every audit.checkpointDirs entry, the log), so a rewritten or cut-off
// chain no longer matches them. The signed bytes are exactly the .json file's contents.
import { sign, verify, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../custody/canonical.js';

export const CHECKPOINT_VERSION = 1;

export interface Checkpoint { v: number; station: string; seq: number; hash: string; at: string }

export function checkpointBytes(cp: Checkpoint): Buffer {
  return Buffer.from(canonicalJson({ v: cp.v, station: cp.station, seq: cp.seq, hash: cp.hash, at: cp.at }), 'utf8');
}

export function signCheckpoint(cp: Checkpoint, key: KeyObject): Buffer {
  return sign(null, checkpointBytes(cp), key);
}

/** `checkpoint-<station>-<seq, 12 digits>-<time>.json`: sorts by seq; several at one seq keep apart. */
export function checkpointFileName(cp: Checkpoint): string {
  return `checkpoint-${cp.station}-${String(cp.seq).padStart(12, '0')}-${cp.at.replace(/[:.]/g, '')}.json`;
}

/** Writes the .json and its .json.sig into dir (made when missing); returns the two paths. */
export function writeCheckpointFiles(dir: string, cp: Checkpoint, signature: Buffer): { file: string; signatureFile: string } {
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, checkpointFileName(cp));
  const signatureFile = `${file}.sig`;
  writeDurably(signatureFile, signature);
  writeDurably(file, checkpointBytes(cp));
  return { file, signatureFile };
}

function writeDurably(file: string, data: Buffer): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w', 0o644);
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
}

export interface FoundCheckpoint {
  file: string;
  /** Parsed content, or undefined when the file is not a checkpoint. */
  checkpoint?: Checkpoint;
  signatureOk: boolean;
  /** Why the file could not be used (unreadable, not canonical, no signature). */
  error?: string;
}

export function parseCheckpoint(bytes: Buffer): Checkpoint | string {
  let v: unknown;
  try { v = JSON.parse(bytes.toString('utf8')); } catch { return 'not JSON'; }
  const c = v as Partial<Checkpoint>;
  if (typeof c !== 'object' || c === null || c.v !== CHECKPOINT_VERSION || typeof c.station !== 'string'
    || !Number.isSafeInteger(c.seq) || typeof c.hash !== 'string' || typeof c.at !== 'string') return 'not a checkpoint';
  const cp = c as Checkpoint;
  if (!checkpointBytes(cp).equals(bytes)) return 'not in canonical form';
  return cp;
}

/** Reads every checkpoint (null key: none can be checked, each is named) file of `station` in dir and checks its signature with the public key. */
export function readCheckpoints(dir: string, station: string, publicKey: KeyObject | null): FoundCheckpoint[] {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return []; }
  const out: FoundCheckpoint[] = [];
  for (const name of names.filter((n) => n.startsWith(`checkpoint-${station}-`) && n.endsWith('.json')).sort()) {
    const file = path.join(dir, name);
    let bytes: Buffer;
    let sig: Buffer;
    try { bytes = fs.readFileSync(file); } catch (e) { out.push({ file, signatureOk: false, error: `unreadable: ${(e as Error).message}` }); continue; }
    const parsed = parseCheckpoint(bytes);
    if (typeof parsed === 'string') { out.push({ file, signatureOk: false, error: parsed }); continue; }
    try { sig = fs.readFileSync(`${file}.sig`); } catch { out.push({ file, checkpoint: parsed, signatureOk: false, error: 'signature file missing' }); continue; }
    if (!publicKey) { out.push({ file, checkpoint: parsed, signatureOk: false, error: 'the station public key is missing' }); continue; }
    out.push({ file, checkpoint: parsed, signatureOk: verify(null, bytes, publicKey, sig) });
  }
  return out;
}

/** The highest seq checkpointed in dir (0 when none), to know when the next one is due. */
export function lastCheckpointSeq(dir: string, station: string): number {
  let names: string[];
  try { names = fs.readdirSync(dir); } catch { return 0; }
  let last = 0;
  for (const n of names) {
    const m = new RegExp(`^checkpoint-${station.replace(/[.]/g, '\\.')}-(\\d{12})-`).exec(n);
    if (m && n.endsWith('.json')) last = Math.max(last, Number(m[1]));
  }
  return last;
}
