// JPEG read in-process: frame size from the SOF marker and the shot's time from the EXIF APP1
// block. Walks marker headers up to the image data (a few KiB in), reads the EXIF block (at most
// 64 KiB by the format) and lets exifr parse its TIFF structure.
import exifr from 'exifr';
import type { ByteSource } from './byte-source.js';
import type { FormatReading } from './iso-bmff.js';
import type { MediaInfo } from './probe.js';
import { exifInstant, type ExifTimeFields } from './wall-clock.js';

export function looksLikeJpeg(head: Buffer): boolean {
  return head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff;
}

const SOS = 0xda;
const EOI = 0xd9;
/** Markers without a length field: TEM, RSTn, SOI, EOI. */
const STANDALONE = (m: number) => m === 0x01 || (m >= 0xd0 && m <= 0xd9);
/** Start-of-frame markers (baseline, progressive, lossless, arithmetic); not DHT, JPG or DAC. */
const SOF = (m: number) => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
const MAX_SEGMENTS = 1_000;
/** Some cameras pad a photo after its end-of-image marker; this much padding is tolerated. */
const TAIL = 1024;

const TIME_TAGS: (keyof ExifTimeFields)[] = [
  'DateTimeOriginal', 'OffsetTimeOriginal', 'SubSecTimeOriginal', 'CreateDate', 'OffsetTimeDigitized',
  'SubSecTimeDigitized', 'ModifyDate', 'OffsetTime', 'SubSecTime',
];

// Times as written (no Date objects made in this process's zone); errors thrown, not collected.
const EXIF_OPTIONS = { pick: TIME_TAGS, reviveValues: false, translateValues: false, silentErrors: false };

export async function readJpeg(src: ByteSource, timezone: string): Promise<FormatReading> {
  const problems: string[] = [];
  const info: MediaInfo = { formatName: 'image2', streams: [] };
  let tiff: Buffer | undefined;
  let frame: { width: number; height: number } | undefined;
  let at = 2;
  let reachedImage = false;
  for (let n = 0; n < MAX_SEGMENTS && !reachedImage; n++) {
    const h = await src.read(at, 4);
    if (h.length < 2) { problems.push(`JPEG cut off at offset ${at}, before the image data`); break; }
    if (h[0] !== 0xff) { problems.push(`JPEG damaged: no marker at offset ${at}`); break; }
    const marker = h[1] as number;
    if (marker === 0xff) { at += 1; continue; } // fill byte before a marker
    if (STANDALONE(marker)) { if (marker === EOI) break; at += 2; continue; }
    if (h.length < 4) { problems.push(`JPEG cut off at offset ${at}, before the image data`); break; }
    const length = h.readUInt16BE(2); // includes its own two bytes
    if (length < 2 || at + 2 + length > src.size) {
      problems.push(`JPEG segment 0xFF${marker.toString(16).toUpperCase()} at offset ${at} cut off or malformed`);
      break;
    }
    if (marker === 0xe1 && !tiff) {
      const body = await src.read(at + 4, length - 2);
      if (body.toString('latin1', 0, 6) === 'Exif\0\0') tiff = body.subarray(6);
    } else if (SOF(marker)) {
      const b = await src.read(at + 4, 6);
      if (b.length === 6) frame = { height: b.readUInt16BE(1), width: b.readUInt16BE(3) };
    }
    reachedImage = marker === SOS || (frame !== undefined && tiff !== undefined);
    at += 2 + length;
  }
  if (reachedImage && !(await endsWithEoi(src, at))) problems.push('JPEG has no end-of-image marker (cut off?)');
  if (frame) info.streams = [{ type: 'video', codec: 'mjpeg', ...(frame.width ? { width: frame.width } : {}), ...(frame.height ? { height: frame.height } : {}) }];
  else problems.push('JPEG has no frame header (SOF)');
  if (tiff) {
    try {
      const fields = await exifr.parse(tiff, EXIF_OPTIONS) as (ExifTimeFields & { errors?: Error[] }) | undefined;
      if (fields?.errors?.length) throw fields.errors[0] as Error;
      const created = fields ? exifInstant(fields, timezone) : undefined;
      if (created) info.creationTime = created;
    } catch (e) {
      problems.push(`EXIF block unreadable: ${(e as Error).message}`);
    }
  }
  return { info, problems };
}

/** A whole JPEG ends with FF D9 (inside entropy-coded data 0xFF is always escaped, so it cannot occur early). */
async function endsWithEoi(src: ByteSource, imageStart: number): Promise<boolean> {
  const from = Math.max(imageStart, src.size - TAIL);
  const tail = await src.read(from, src.size - from);
  return tail.lastIndexOf(Buffer.from([0xff, 0xd9])) >= 0;
}
