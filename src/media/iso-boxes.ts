// ISO-BMFF (MP4/MOV/M4A) box walking over a ByteSource: headers only, so a clip of gigabytes
// costs a few small reads. Damage (a box running past its parent or the file) is reported as a
// problem and the walk stops there instead of throwing: a cut-off recording still gets read.
import type { ByteSource } from './byte-source.js';

export interface Box {
  type: string;
  start: number;
  /** First byte after the box header. */
  body: number;
  /** One past the last byte present (the file's end when the box was cut off). */
  end: number;
  /** The box claims more bytes than its parent (or the file) holds. */
  truncated?: boolean;
}

/** A top-level walk gives up after this many boxes (a fragmented hour at 1 s fragments is ~7 200). */
const MAX_BOXES = 200_000;

/** Box types an ISO-BMFF file may start with (QuickTime files need not start with `ftyp`). */
const FIRST_BOX = new Set(['ftyp', 'styp', 'moov', 'mdat', 'free', 'skip', 'wide', 'pnot']);

export function looksLikeIsoBmff(head: Buffer): boolean {
  if (head.length < 8) return false;
  const size = head.readUInt32BE(0);
  return FIRST_BOX.has(head.toString('latin1', 4, 8)) && (size === 0 || size === 1 || size >= 8);
}

const printable = (type: string) => (/^[\x20-\x7e]{4}$/.test(type) ? type : JSON.stringify(type));

/** The boxes laid end to end in [from, to); `problems` collects damage, with `where` naming the parent. */
export async function readBoxes(src: ByteSource, from: number, to: number, problems: string[], where = 'file'):
Promise<Box[]> {
  const boxes: Box[] = [];
  let at = from;
  while (at + 8 <= to) {
    if (boxes.length >= MAX_BOXES) { problems.push(`more than ${MAX_BOXES} boxes in ${where}; stopped reading`); break; }
    const h = await src.read(at, 16);
    if (h.length < 8) break;
    const type = h.toString('latin1', 4, 8);
    let size = h.readUInt32BE(0);
    let header = 8;
    if (size === 1) {
      if (h.length < 16) { problems.push(`${where} ends inside the header of box ${printable(type)} at offset ${at}`); break; }
      size = Number(h.readBigUInt64BE(8));
      header = 16;
    } else if (size === 0) {
      size = to - at; // "runs to the end of its parent"
    }
    if (size < header) { problems.push(`malformed box ${printable(type)} at offset ${at} in ${where} (size ${size})`); break; }
    if (at + size > to) {
      problems.push(`${where} ends inside box ${printable(type)} at offset ${at} (${to - at} of ${size} bytes present)`);
      boxes.push({ type, start: at, body: at + header, end: to, truncated: true });
      break;
    }
    boxes.push({ type, start: at, body: at + header, end: at + size });
    at += size;
  }
  return boxes;
}

/** The body of a small box (at most `limit` bytes of it). */
export function boxBody(src: ByteSource, box: Box, limit = 4096): Promise<Buffer> {
  return src.read(box.body, Math.min(box.end - box.body, limit));
}

/**
 * A source that answers reads inside [base, base + data.length) from `data` (a container box read
 * in one go) and passes the rest through.
 */
export function cachedRange(src: ByteSource, base: number, data: Buffer): ByteSource {
  return {
    size: src.size,
    read: async (offset, length) => (offset >= base && offset + length <= base + data.length
      ? data.subarray(offset - base, offset - base + length)
      : src.read(offset, length)),
  };
}

/** Reads the big-endian unsigned integer of `bytes` (4 or 8) at `at`; undefined past the end. */
export function uint(b: Buffer, at: number, bytes: 4 | 8): number | undefined {
  if (at + bytes > b.length) return undefined;
  return bytes === 4 ? b.readUInt32BE(at) : Number(b.readBigUInt64BE(at));
}
