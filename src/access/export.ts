// `evidock export REQUEST --to DIR`: watermarked copies of the granted recordings, a manifest with
// the SHA-256 of every original and copy, and a receipt signed with the station key. The grant is
// checked before any work and again in the transaction that marks it used; the copies are made in
// the service's own staging area and appear in DIR only after that commit, so nothing leaves under
// a grant revoked meanwhile, and a killed export leaves nothing in DIR.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { canonicalJson } from '../custody/index.js';
import { findCjkFont } from '../media/index.js';
import { AccessUsageError } from './errors.js';
import { makeCopy, sha256Of, watermarkLines, type MadeCopy } from './copies.js';
import { signReceipt, STATION_PUBKEY_FILE } from './receipt.js';
import { authorizeUse, recordUse, type AccessDeps } from './service.js';
import { stagingDir } from './staging.js';
import type { Actor } from './types.js';

export const MANIFEST_FILE = 'manifest.json';
export const RECEIPT_FILE = 'receipt.json';
export const SIGNATURE_FILE = 'receipt.json.sig';
export const SUMS_FILE = 'SHA256SUMS';

export interface ExportedFile {
  recordingId: number;
  /** The recording's path on the camera. */
  original: string;
  originalSha256: string;
  /** Path of the watermarked copy. */
  copy: string;
  copySha256: string;
  watermark: MadeCopy['watermark'];
}

export interface ExportResult {
  request: number;
  files: ExportedFile[];
  manifest: string;
  receipt: string;
  signature: string;
  publicKey: string;
}

function emptyTarget(dir: string): void {
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') { mkdirSync(dir, { recursive: true, mode: 0o700 }); return; }
    throw new AccessUsageError(`--to ${dir}: ${(e as Error).message}`);
  }
  if (entries.length) throw new AccessUsageError(`--to ${dir} is not empty: an export goes into a new or empty directory`);
}

export async function exportRequest(deps: AccessDeps, actor: Actor, id: number, to: string): Promise<ExportResult> {
  const grant = authorizeUse(deps, actor, id, 'export');
  const dir = path.resolve(to);
  emptyTarget(dir);
  const staging = stagingDir('export', deps.dataDir);
  try {
    const at = deps.custody.now();
    const name = deps.roster.nameOf(actor.badge) ?? actor.name;
    const lines = watermarkLines({ request: id, unit: deps.station.code, at, badge: actor.badge, name, use: 'export' });
    const font = findCjkFont(deps.settings.font);
    const made: MadeCopy[] = [];
    for (const rec of grant.recordings) made.push(await makeCopy(deps.store, rec, staging, lines, font));

    const { request } = grant;
    const manifest = {
      v: 1, kind: 'evidock-export-manifest', station: deps.station,
      request: {
        id, kind: request.kind, purpose: request.purpose, caseNo: request.caseNo, requester: request.requester,
        requesterName: name ?? null, decidedBy: request.decidedBy, decidedAt: request.decidedAt, expiresAt: request.expiresAt,
      },
      exportedAt: at, exportedBy: actor.badge, osUser: actor.osUser, watermark: { lines, font: path.basename(font) },
      files: grant.recordings.map((rec, i) => ({
        recordingId: rec.id, device: rec.device, badge: rec.badge, sourcePath: rec.sourcePath, recordedStart: rec.recordedStart,
        mediaKind: rec.mediaKind, original: { sha256: made[i]!.originalSha256, size: made[i]!.originalSize },
        copy: { file: path.basename(made[i]!.file), sha256: made[i]!.sha256, size: made[i]!.size, watermark: made[i]!.watermark },
      })),
    };
    writeFileSync(path.join(staging, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(path.join(staging, SUMS_FILE), made.map((m) => `${m.sha256}  ${path.basename(m.file)}\n`).join(''));
    const manifestHash = (await sha256Of(path.join(staging, MANIFEST_FILE))).sha256;
    const receipt = Buffer.from(`${canonicalJson({
      v: 1, kind: 'evidock-export-receipt', station: deps.station, request: id, requester: request.requester,
      decidedBy: request.decidedBy, exportedAt: at, manifest: { file: MANIFEST_FILE, sha256: manifestHash },
      files: made.map((m) => ({ recordingId: m.recordingId, originalSha256: m.originalSha256, copy: path.basename(m.file), copySha256: m.sha256 })),
    })}\n`, 'utf8');
    const signed = signReceipt(deps.dataDir, receipt);
    writeFileSync(path.join(staging, RECEIPT_FILE), receipt);
    writeFileSync(path.join(staging, SIGNATURE_FILE), signed.signature);
    copyFileSync(signed.publicKeyFile, path.join(staging, STATION_PUBKEY_FILE));

    recordUse(deps, actor, grant, 'export', {
      to: dir, manifestSha256: manifestHash, receiptSha256: createHash('sha256').update(receipt).digest('hex'),
      files: made.map((m) => ({ recordingId: m.recordingId, originalSha256: m.originalSha256, copySha256: m.sha256, watermark: m.watermark })),
    });
    // Committed: only now do the files appear under --to (copied: it may be another file system).
    for (const f of readdirSync(staging)) copyFileSync(path.join(staging, f), path.join(dir, f));
    rmSync(staging, { recursive: true, force: true });
    return {
      request: id,
      files: made.map((m, i) => ({
        recordingId: m.recordingId, original: grant.recordings[i]!.sourcePath, originalSha256: m.originalSha256,
        copy: path.join(dir, path.basename(m.file)), copySha256: m.sha256, watermark: m.watermark,
      })),
      manifest: path.join(dir, MANIFEST_FILE), receipt: path.join(dir, RECEIPT_FILE),
      signature: path.join(dir, SIGNATURE_FILE), publicKey: path.join(dir, STATION_PUBKEY_FILE),
    };
  } catch (e) {
    rmSync(staging, { recursive: true, force: true });
    if (!(e instanceof Error && 'exitCode' in e && (e as { exitCode: number }).exitCode === 4)) {
      deps.custody.auditAccess('access.export.failed', { request: id, unit: grant.request.unit, error: (e as Error).message, by: actor.badge, osUser: actor.osUser }, actor.badge);
    }
    throw e;
  }
}
