// Wipe after verify (ARCHITECTURE §2 invariant 1): a file leaves the camera only when the camera's file
// still hashes to a recording committed for this device and the stored object re-verifies now.
// Anything else stays on the camera and is reported. Each deletion is audited.
import { createHash } from 'node:crypto';
import { constants as C } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import type { Profile } from '../config/schema.js';
import type { DockedVolume } from '../dock/volume.js';
import { enumerateVolume } from '../profiles/enumerate.js';
import type { Logger } from '../util/logger.js';

export interface WipeResult {
  deleted: string[];
  kept: { path: string; reason: string }[];
  /** Why nothing could be wiped at all (volume not writable, remount failed, …). */
  error?: string;
}

export interface WipeRequest {
  volume: DockedVolume;
  profile: Profile;
  deviceSerial: string;
  sessionId: number;
  signal?: AbortSignal | undefined;
}

async function hashFile(abs: string, signal?: AbortSignal): Promise<{ sha256: string; size: number } | undefined> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(abs, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let size = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      size += bytesRead;
    }
    return { sha256: h.digest('hex'), size };
  } finally {
    await fh.close();
  }
}

/** Why a camera file must stay, or undefined when it may go (pure over what was found). */
export function keepReason(committed: { sha256: string; size: number }[], onCamera: { sha256: string; size: number } | undefined,
  objectCheck: string | undefined): string | undefined {
  if (committed.length === 0) return 'not committed';
  if (!onCamera) return 'unreadable on the camera';
  if (!committed.some((r) => r.sha256 === onCamera.sha256 && r.size === onCamera.size)) return 'differs from every committed copy';
  if (objectCheck !== 'ok') return `stored object ${objectCheck ?? 'not checked'}`;
  return undefined;
}

export async function wipeVerified(req: WipeRequest, deps: { custody: Custody; store: ObjectStore; logger: Logger }): Promise<WipeResult> {
  const { custody, store, logger } = deps;
  const log = logger.child({ session: req.sessionId, device: req.deviceSerial });
  const listing = await enumerateVolume(req.volume.root, req.profile);
  const result: WipeResult = { deleted: [], kept: [] };
  if (!req.volume.withWritable) {
    result.error = 'the volume cannot be made writable; nothing deleted';
    result.kept = listing.files.map((f) => ({ path: f.rel, reason: 'volume not writable' }));
    return result;
  }
  try {
    await req.volume.withWritable(async (root) => {
      for (const f of listing.files) {
        if (req.signal?.aborted) { result.kept.push({ path: f.rel, reason: 'stopped' }); continue; }
        const abs = path.join(root, f.rel);
        const committed = custody.findRecording(req.deviceSerial, f.rel);
        const onCamera = committed.length > 0 ? await hashFile(abs, req.signal) : undefined;
        const row = onCamera && committed.find((r) => r.sha256 === onCamera.sha256 && r.size === onCamera.size);
        // Re-verify the stored copy now, not trust the ingest's check: the store may have rotted since.
        const check = row ? await store.verifyObject(row.sha256, row.size, { signal: req.signal }) : undefined;
        const reason = keepReason(committed, onCamera, check);
        if (reason || !row) {
          result.kept.push({ path: f.rel, reason: reason ?? 'not committed' });
          log.warn(`wipe: ${f.rel} kept on the camera: ${reason}`);
          continue;
        }
        custody.markVerified([row.sha256]);
        await fs.unlink(abs);
        custody.appendAudit('camera.wipe', {
          sessionId: req.sessionId, deviceSerial: req.deviceSerial, sourcePath: f.rel, sha256: row.sha256, size: row.size,
          recordingId: row.id,
        });
        result.deleted.push(f.rel);
      }
    });
  } catch (err) {
    result.error = (err as Error).message;
    const done = new Set([...result.deleted, ...result.kept.map((k) => k.path)]);
    for (const f of listing.files) if (!done.has(f.rel)) result.kept.push({ path: f.rel, reason: `wipe stopped: ${result.error}` });
  }
  for (const p of listing.problems) result.kept.push({ path: p.rel, reason: p.message });
  return result;
}
