// One watermarked copy of one recording, for an export or a view: the kind of media decides how
// the mark goes in (see src/media/watermark.ts). The original in the store is only read, after
// its hash is checked against custody, so a copy is never made of a damaged original.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import path from 'node:path';
import type { RecordingRow } from '../custody/index.js';
import { tagAudio, watermarkPhoto, watermarkVideo } from '../media/index.js';
import type { ObjectStore } from '../store/index.js';

export type WatermarkMethod = 'drawtext' | 'metadata-tag' | 'none';

export class OriginalIntegrityError extends Error {
  readonly exitCode = 3;
}

export async function sha256Of(file: string): Promise<{ sha256: string; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(file)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: h.digest('hex'), size };
}

/** The copy's file name: recording id, then the camera's name (video always becomes .mp4). */
export function copyName(rec: Pick<RecordingRow, 'id' | 'sourcePath' | 'mediaKind'>): string {
  const base = path.posix.basename(rec.sourcePath.replaceAll('\\', '/')).replace(/[^\w.\-]/g, '_') || `recording-${rec.id}`;
  const stem = base.replace(/\.[^.]*$/, '');
  if (rec.mediaKind === 'video') return `${rec.id}_${stem}.mp4`;
  if (rec.mediaKind === 'photo') return `${rec.id}_${stem}.jpg`;
  return `${rec.id}_${base}`;
}

export interface MadeCopy {
  recordingId: number;
  originalPath: string;
  originalSha256: string;
  originalSize: number;
  file: string;
  sha256: string;
  size: number;
  watermark: WatermarkMethod;
}

export async function makeCopy(store: ObjectStore, rec: RecordingRow, outDir: string, lines: string[], font: string): Promise<MadeCopy> {
  const original = store.pathFor(rec.sha256);
  const orig = await sha256Of(original).catch((e: unknown) => {
    throw new OriginalIntegrityError(`recording ${rec.id}: its stored object ${rec.sha256} cannot be read (${(e as Error).message})`);
  });
  if (orig.sha256 !== rec.sha256) {
    throw new OriginalIntegrityError(`recording ${rec.id}: stored object hashes to ${orig.sha256}, custody says ${rec.sha256}; nothing exported`);
  }
  const file = path.join(outDir, copyName(rec));
  let watermark: WatermarkMethod;
  switch (rec.mediaKind) {
    case 'video': await watermarkVideo(original, file, { lines, font }); watermark = 'drawtext'; break;
    case 'photo': await watermarkPhoto(original, file, { lines, font }); watermark = 'drawtext'; break;
    case 'audio': await tagAudio(original, file, lines); watermark = 'metadata-tag'; break;
    default: await copyFile(original, file); watermark = 'none';
  }
  const copy = await sha256Of(file);
  return { recordingId: rec.id, originalPath: original, originalSha256: orig.sha256, originalSize: orig.size, file, sha256: copy.sha256, size: copy.size, watermark };
}

/** The text in the band: request, station unit and time; the requester by name and badge; what kind of copy. */
export function watermarkLines(opts: { request: number; unit: string; at: string; badge: string; name?: string | undefined; use: 'view' | 'export' }): string[] {
  const when = `${opts.at.slice(0, 10)} ${opts.at.slice(11, 16)}Z`;
  const what = opts.use === 'export' ? '复制件 COPY' : '查看 VIEW';
  return [`evidock 调阅 #${opts.request} · ${opts.unit} · ${when}`, `${opts.name ? `${opts.name} ` : ''}(${opts.badge}) · ${what}`];
}
