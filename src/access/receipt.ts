// The station key signs export receipts (Ed25519, node:crypto). The private key lives at
// <dataDir>/keys/station.key (PKCS#8 PEM, mode 0600, directory 0700), its public key beside it as
// station.pub (SPKI PEM) — the same files, in the same formats, as the key that signs audit
// checkpoints — so anyone can check a receipt with stock OpenSSL:
//   openssl pkeyutl -verify -pubin -inkey station.pub -rawin -in receipt.json -sigfile receipt.json.sig
// signReceipt is the one function that signs receipts.
import { createPrivateKey, createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';
import { linkSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const STATION_KEY_FILE = 'station.key';
export const STATION_PUBKEY_FILE = 'station.pub';

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

/**
 * The station's private key, made on first use: written whole to a temp file, then hard-linked into
 * place, so a concurrent first use never reads half a key and never replaces the winner's.
 */
function stationKey(dataDir: string): KeyObject {
  const p = keyPaths(dataDir);
  let pem = readIfExists(p.privateKey);
  if (pem === undefined) {
    mkdirSync(p.dir, { recursive: true, mode: 0o700 });
    const { privateKey } = generateKeyPairSync('ed25519');
    const tmp = `${p.privateKey}.${process.pid}.tmp`;
    writeFileSync(tmp, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    try {
      linkSync(tmp, p.privateKey);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    } finally {
      rmSync(tmp, { force: true });
    }
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
