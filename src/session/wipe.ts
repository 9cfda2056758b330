// Wipe after verify (ARCHITECTURE §2 invariant 1): a file leaves the camera only when the camera's file
// still hashes to a recording committed for this device, its object has its disk proof
// (objects.verified_at, proof-stage) and re-verifies now. Anything else stays on the camera and
// is reported. The intent (`camera.wipe`) is audited before the unlink, a failed unlink
// afterwards (`camera.wipe.failed`): no file leaves a camera without an audit entry naming it.
// Files are opened and deleted by their raw names (not every camera writes UTF-8).
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
import { joinRaw } from '../util/raw-name.js';

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

async function hashFile(abs: Buffer, signal?: AbortSignal): Promise<{ sha256: string; size: number } | undefined> {
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
  objectCheck: string | undefined, diskProof = true): string | undefined {
  if (committed.length === 0) return 'not committed';
  if (!onCamera) return 'unreadable on the camera';
  if (!committed.some((r) => r.sha256 === onCamera.sha256 && r.size === onCamera.size)) return 'differs from every committed copy';
  if (objectCheck !== 'ok') return `stored object ${objectCheck ?? 'not checked'}`;
  if (!diskProof) return 'stored object not yet proven from the disk';
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
      const rootRaw = Buffer.from(path.resolve(root), 'utf8');
      for (const f of listing.files) {
        if (req.signal?.aborted) { result.kept.push({ path: f.rel, reason: 'stopped' }); continue; }
        const abs = joinRaw(rootRaw, f.relRaw);
        const committed = custody.findRecording(req.deviceSerial, f.rel);
        const onCamera = committed.length > 0 ? await hashFile(abs, req.signal) : undefined;
        const row = onCamera && committed.find((r) => r.sha256 === onCamera.sha256 && r.size === onCamera.size);
        // Re-verify the stored copy now, not trust the ingest's check: the store may have rotted since.
        const check = row ? await store.verifyObject(row.sha256, row.size, { signal: req.signal }) : undefined;
        const proved = row ? Boolean(custody.getObject(row.sha256)?.verifiedAt) : false;
        const reason = keepReason(committed, onCamera, check, proved);
        if (reason || !row) {
          result.kept.push({ path: f.rel, reason: reason ?? 'not committed' });
          log.warn(`wipe: ${f.rel} kept on the camera: ${reason}`);
          continue;
        }
        const what = {
          sessionId: req.sessionId, deviceSerial: req.deviceSerial, sourcePath: f.rel, sha256: row.sha256, size: row.size,
          recordingId: row.id, ...(f.relRaw.equals(Buffer.from(f.rel)) ? {} : { sourcePathRawHex: f.relRaw.toString('hex') }),
        };
        // Intent first: if it cannot be audited, the file stays and the wipe stops here.
        try {
          custody.appendAudit('camera.wipe', what);
        } catch (err) {
          throw new Error(`audit of the wipe of ${f.rel} failed, nothing more deleted: ${(err as Error).message}`, { cause: err });
        }
        try {
          await fs.unlink(abs);
        } catch (err) {
          const error = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
          result.kept.push({ path: f.rel, reason: `delete failed (${error})` });
          log.error(`wipe: deleting ${f.rel} failed: ${error}`);
          try {
            custody.appendAudit('camera.wipe.failed', { ...what, error });
          } catch (auditErr) {
            log.error(`wipe: audit of the failed delete of ${f.rel} failed too: ${(auditErr as Error).message}`);
          }
          continue;
        }
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
