// PNG and BMP photos: recognised and sized from their headers. Neither carries a recording time
// a camera fills in, and ffprobe reports none for them either, so there is nothing more to read.
import type { ByteSource } from './byte-source.js';
import type { FormatReading } from './iso-bmff.js';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function looksLikePng(head: Buffer): boolean {
  return head.length >= 8 && head.subarray(0, 8).equals(PNG_SIGNATURE);
}

export function looksLikeBmp(head: Buffer): boolean {
  return head.length >= 2 && head[0] === 0x42 && head[1] === 0x4d; // "BM"
}

export async function readPng(src: ByteSource): Promise<FormatReading> {
  const b = await src.read(8, 16); // first chunk: length, "IHDR", width, height
  if (b.length < 16 || b.toString('latin1', 4, 8) !== 'IHDR') {
    return { info: { formatName: 'png_pipe', streams: [] }, problems: ['PNG has no IHDR header (cut off or damaged)'] };
  }
  return { info: { formatName: 'png_pipe', streams: [{ type: 'video', codec: 'png', width: b.readUInt32BE(8), height: b.readUInt32BE(12) }] }, problems: [] };
}

export async function readBmp(src: ByteSource): Promise<FormatReading> {
  const b = await src.read(14, 12); // BITMAPINFOHEADER: size, width, height (negative: top-down)
  if (b.length < 12) return { info: { formatName: 'bmp_pipe', streams: [] }, problems: ['BMP header cut off'] };
  return {
    info: { formatName: 'bmp_pipe', streams: [{ type: 'video', codec: 'bmp', width: Math.abs(b.readInt32LE(4)), height: Math.abs(b.readInt32LE(8)) }] },
    problems: [],
  };
}
