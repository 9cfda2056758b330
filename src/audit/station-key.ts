// The station's Ed25519 key pair, made on first start: the private key signs audit checkpoints,
// the public key (`evidock audit pubkey`) lets anyone check them with stock OpenSSL.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export const PRIVATE_KEY_FILE = 'station.key';
export const PUBLIC_KEY_FILE = 'station.pub';

export interface StationKey { privateKey: KeyObject; publicKey: KeyObject; publicPem: string; dir: string }

export function keyDirOf(dataDir: string, keyDir?: string): string {
  return keyDir ?? path.join(dataDir, 'keys');
}

/** Loads the key pair, creating it (private key 0600 in a 0700 directory) when there is none. */
export function ensureStationKey(dir: string): StationKey {
  const privFile = path.join(dir, PRIVATE_KEY_FILE);
  if (!fs.existsSync(privFile)) {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const tmp = `${privFile}.${process.pid}.tmp`;
    writeDurably(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), 0o600);
    try {
      fs.linkSync(tmp, privFile); // never replaces a key: a concurrent first start keeps the winner's
      fsyncDir(dir); // the key is on the disk before anything is signed with it (a power cut keeps it)
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(tmp, { force: true });
    }
  }
  return loadStationKey(dir);
}

export function loadStationKey(dir: string): StationKey {
  const privateKey = createPrivateKey(fs.readFileSync(path.join(dir, PRIVATE_KEY_FILE)));
  const publicKey = createPublicKey(privateKey);
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const pubFile = path.join(dir, PUBLIC_KEY_FILE);
  if (!fs.existsSync(pubFile)) {
    const tmp = `${pubFile}.${process.pid}.tmp`;
    writeDurably(tmp, publicPem, 0o644);
    fs.renameSync(tmp, pubFile);
    fsyncDir(dir);
  }
  return { privateKey, publicKey, publicPem, dir };
}

/** The public key alone (verifying needs no private key), from the key directory. */
export function loadPublicKey(dir: string): KeyObject {
  const pubFile = path.join(dir, PUBLIC_KEY_FILE);
  if (fs.existsSync(pubFile)) return createPublicKey(fs.readFileSync(pubFile));
  return loadStationKey(dir).publicKey;
}

/** Writes and fsyncs a file (temp → fsync; the caller links or renames it into place, then fsyncDir). */
function writeDurably(file: string, data: string | Buffer, mode: number): void {
  const fd = fs.openSync(file, 'w', mode);
  try {
    fs.writeFileSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, 'r');
  try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
}
