// The station key signs export receipts (Ed25519, node:crypto). The private key lives at
// <dataDir>/keys/station-ed25519.pem (PKCS#8, mode 0600), its public key beside it as
// station-ed25519.pub.pem (SPKI), so anyone can check a receipt with stock OpenSSL:
//   openssl pkeyutl -verify -pubin -inkey station-ed25519.pub.pem -rawin -in receipt.json -sigfile receipt.json.sig
// signReceipt is the one function that signs; the people-and-proof work's checkpoint key is meant to be the same file.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const STATION_KEY_FILE = 'station-ed25519.pem';
export const STATION_PUBKEY_FILE = 'station-ed25519.pub.pem';

export function keyPaths(dataDir: string): { dir: string; privateKey: string; publicKey: string } {
  const dir = path.join(dataDir, 'keys');
  return { dir, privateKey: path.join(dir, STATION_KEY_FILE), publicKey: path.join(dir, STATION_PUBKEY_FILE) };
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** The station's private key, made on first use; 'wx' makes a concurrent first use keep one key. */
function stationKey(dataDir: string): KeyObject {
  const p = keyPaths(dataDir);
  let pem = readIfExists(p.privateKey);
  if (pem === undefined) {
    mkdirSync(p.dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    try {
      writeFileSync(p.privateKey, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    chmodSync(p.privateKey, 0o600);
    pem = readFileSync(p.privateKey, 'utf8');
  }
  const key = createPrivateKey(pem);
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`${p.privateKey}: not an Ed25519 private key`);
  const pub = createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString();
  if (readIfExists(p.publicKey) !== pub) writeFileSync(p.publicKey, pub, { mode: 0o644 });
  return key;
}

/** Signs bytes with the station key (pure Ed25519, no pre-hash): a 64-byte detached signature. */
export function signReceipt(dataDir: string, bytes: Buffer): { signature: Buffer; publicKeyPem: string; publicKeyFile: string } {
  const key = stationKey(dataDir);
  const signature = sign(null, bytes, key);
  return { signature, publicKeyPem: createPublicKey(key).export({ type: 'spki', format: 'pem' }).toString(), publicKeyFile: keyPaths(dataDir).publicKey };
}

export function verifyReceipt(publicKeyPem: string, bytes: Buffer, signature: Buffer): boolean {
  return verify(null, bytes, createPublicKey(publicKeyPem), signature);
}
