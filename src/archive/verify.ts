// `archive verify`: xorriso's own checks, then every payload and tag file re-hashed straight
// from the image (or disc) at the blocks xorriso reports, against the bag's manifests.
import { createHash, createPublicKey, verify as verifySignature } from 'node:crypto';
import { existsSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { BAGIT_TXT, parseBagInfo, parseManifest } from './bag.js';
import { DISC_CHECKPOINT, DISC_PUBLIC_KEY, DISC_SIGNATURE } from './checkpoint.js';
import { ArchiveUsageError } from './media.js';
import { fileExtents, xorrisoCheck, XorrisoError, type Extent } from './xorriso.js';

export interface DiscVerification { ok: boolean; files: number; bad: { path: string; problem: string }[] }

const BLOCK = 2048;
const CHUNK = 4 * 1024 * 1024;
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

async function hashExtents(fh: FileHandle, extents: Extent[], onBytes?: (n: number) => void): Promise<string> {
  const h = createHash('sha256');
  const buf = Buffer.allocUnsafe(CHUNK);
  for (const e of extents) {
    let pos = e.start * BLOCK;
    let left = e.size;
    while (left > 0) {
      const { bytesRead } = await fh.read(buf, 0, Math.min(CHUNK, left), pos);
      if (bytesRead === 0) throw new Error('image ends inside a file');
      h.update(buf.subarray(0, bytesRead));
      pos += bytesRead;
      left -= bytesRead;
      onBytes?.(bytesRead);
    }
  }
  return h.digest('hex');
}

async function readText(fh: FileHandle, extents: Extent[] | undefined, encoding: BufferEncoding = 'utf8'): Promise<string | undefined> {
  if (!extents) return undefined;
  const parts: Buffer[] = [];
  for (const e of extents) {
    const b = Buffer.alloc(e.size);
    await fh.read(b, 0, e.size, e.start * BLOCK);
    parts.push(b);
  }
  return Buffer.concat(parts).toString(encoding);
}

/** The disc's checkpoint against its signature and the public key beside it (as OpenSSL would check it). */
async function checkSignature(fh: FileHandle, extents: Map<string, Extent[]>): Promise<{ path: string; problem: string }[]> {
  const [cp, sig, pem] = [DISC_CHECKPOINT, DISC_SIGNATURE, DISC_PUBLIC_KEY].map((p) => extents.get(p));
  if (!cp || !sig || !pem) return [{ path: DISC_CHECKPOINT, problem: 'no signed audit checkpoint (checkpoint.json, its .sig and the station public key)' }];
  const bytes = async (e: Extent[]) => Buffer.from((await readText(fh, e, 'latin1'))!, 'latin1');
  try {
    const ok = verifySignature(null, await bytes(cp), createPublicKey(await bytes(pem)), await bytes(sig));
    return ok ? [] : [{ path: DISC_CHECKPOINT, problem: 'signature does not verify with the station public key on the disc' }];
  } catch (err) {
    return [{ path: DISC_PUBLIC_KEY, problem: `not usable: ${(err as Error).message}` }];
  }
}

export async function verifyDisc(dev: string, onProgress?: (done: number, total: number) => void): Promise<DiscVerification> {
  const bad: { path: string; problem: string }[] = [];
  const file = dev.replace(/^stdio:/, ''); // xorriso's address for a non-optical device
  if (!existsSync(file)) throw new ArchiveUsageError(`${file}: no such image or device`);
  const check = await xorrisoCheck(dev);
  bad.push(...check.problems);
  let extents: Map<string, Extent[]>;
  try {
    extents = await fileExtents(dev);
  } catch (err) {
    // Unreadable as ISO 9660 (a damaged or foreign image): a failed verification, not a crash.
    if (!(err instanceof XorrisoError)) throw err;
    return { ok: false, files: 0, bad: [...bad, { path: '(image)', problem: err.message }] };
  }
  const fh = await open(file, 'r');
  let files = 0;
  try {
    const bagit = await readText(fh, extents.get('bagit.txt'));
    if (bagit === undefined) bad.push({ path: 'bagit.txt', problem: 'missing: not a BagIt bag' });
    else if (!/^BagIt-Version: 1\.0/.test(bagit)) bad.push({ path: 'bagit.txt', problem: `unexpected declaration (want ${JSON.stringify(BAGIT_TXT.split('\n')[0])})` });
    const manifestText = await readText(fh, extents.get('manifest-sha256.txt'));
    const tagText = await readText(fh, extents.get('tagmanifest-sha256.txt'));
    if (manifestText === undefined) bad.push({ path: 'manifest-sha256.txt', problem: 'missing' });
    if (tagText === undefined) bad.push({ path: 'tagmanifest-sha256.txt', problem: 'missing' });
    const manifest = manifestText ? parseManifest(manifestText) : [];
    const tags = tagText ? parseManifest(tagText) : [];
    if (tagText !== undefined) files++; // the tag manifest itself (xorriso's MD5 covers it): counts as archive build counts
    const total = [...manifest, ...tags].reduce((n, e) => n + (extents.get(e.path) ?? []).reduce((m, x) => m + x.size, 0), 0);
    let done = 0;
    const listed = new Set<string>();
    for (const e of [...manifest, ...tags]) {
      listed.add(e.path);
      files++;
      const ext = extents.get(e.path);
      if (!ext) {
        if (e.sha256 !== EMPTY_SHA256) bad.push({ path: e.path, problem: 'listed in the manifest but not on the disc' });
        continue;
      }
      const got = await hashExtents(fh, ext, (n) => { done += n; onProgress?.(done, total); });
      if (got !== e.sha256) bad.push({ path: e.path, problem: `SHA-256 ${got} differs from the manifest's ${e.sha256}` });
    }
    let oxBytes = 0;
    let oxFiles = 0;
    for (const [p, ext] of extents) {
      if (!p.startsWith('data/')) continue;
      oxFiles++;
      oxBytes += ext.reduce((n, x) => n + x.size, 0);
      if (!listed.has(p)) bad.push({ path: p, problem: 'payload file not in the manifest' });
    }
    bad.push(...(await checkSignature(fh, extents)));
    const info = parseBagInfo((await readText(fh, extents.get('bag-info.txt'))) ?? '');
    const oxum = info.get('Payload-Oxum');
    if (oxum !== undefined && oxum !== `${oxBytes}.${oxFiles}`) bad.push({ path: 'bag-info.txt', problem: `Payload-Oxum ${oxum}, disc has ${oxBytes}.${oxFiles}` });
  } finally {
    await fh.close();
  }
  return { ok: bad.length === 0, files, bad };
}
