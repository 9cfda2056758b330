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
    fs.writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    try {
      fs.linkSync(tmp, privFile); // never replaces a key: a concurrent first start keeps the winner's
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
  if (!fs.existsSync(pubFile)) fs.writeFileSync(pubFile, publicPem, { mode: 0o644 });
  return { privateKey, publicKey, publicPem, dir };
}

/** The public key alone (verifying needs no private key), from the key directory. */
export function loadPublicKey(dir: string): KeyObject {
  const pubFile = path.join(dir, PUBLIC_KEY_FILE);
  if (fs.existsSync(pubFile)) return createPublicKey(fs.readFileSync(pubFile));
  return loadStationKey(dir).publicKey;
}
