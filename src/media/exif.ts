// A minimal EXIF block for simulated camera photos: DateTime, DateTimeOriginal and, optionally,
// OffsetTimeOriginal and SubSecTimeOriginal, the fields an ingest reads to date a photo, in either
// byte order. Pure byte work, no tools.

interface Entry { tag: number; type: 2 | 4; count: number; value: Buffer }

const ASCII = 2;
const LONG = 4;

function ascii(tag: number, s: string): Entry {
  const value = Buffer.from(`${s}\0`, 'latin1');
  return { tag, type: ASCII, count: value.length, value };
}

/** Byte order of the TIFF structure: Intel ("II") or Motorola ("MM"); cameras write both. */
interface Order { u16(b: Buffer, v: number, at: number): void; u32(b: Buffer, v: number, at: number): void }
const LE: Order = { u16: (b, v, at) => b.writeUInt16LE(v, at), u32: (b, v, at) => b.writeUInt32LE(v, at) };
const BE: Order = { u16: (b, v, at) => b.writeUInt16BE(v, at), u32: (b, v, at) => b.writeUInt32BE(v, at) };

/** Lays out one IFD at `at`; values over 4 bytes follow the IFD. Returns the bytes. */
function ifd(entries: Entry[], at: number, o: Order): Buffer {
  const head = Buffer.alloc(2 + entries.length * 12 + 4);
  o.u16(head, entries.length, 0);
  const extra: Buffer[] = [];
  let dataAt = at + head.length;
  entries.forEach((e, i) => {
    const p = 2 + i * 12;
    o.u16(head, e.tag, p);
    o.u16(head, e.type, p + 2);
    o.u32(head, e.count, p + 4);
    if (e.value.length <= 4) {
      e.value.copy(head, p + 8);
    } else {
      o.u32(head, dataAt, p + 8);
      extra.push(e.value);
      dataAt += e.value.length;
    }
  });
  // next-IFD offset stays 0: a single image, no thumbnail
  return Buffer.concat([head, ...extra]);
}

export interface ExifSegmentOptions {
  /** SubSecTimeOriginal: the digits after the decimal point of the seconds, e.g. "042". */
  subSec?: string;
  /** Motorola byte order ("MM"), as some cameras write; default Intel ("II"). */
  bigEndian?: boolean;
}

/**
 * Builds an APP1 Exif segment. `local` is the camera's wall clock "YYYY:MM:DD HH:MM:SS",
 * `offset` its UTC offset "+08:00" (OffsetTimeOriginal; undefined: not written, as by cameras
 * older than EXIF 2.31).
 */
export function exifDateSegment(local: string, offset: string | undefined, opts: ExifSegmentOptions = {}): Buffer {
  if (!/^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/.test(local)) throw new Error(`bad EXIF date "${local}"`);
  if (offset !== undefined && !/^[+-]\d{2}:\d{2}$/.test(offset)) throw new Error(`bad EXIF offset "${offset}"`);
  if (opts.subSec !== undefined && !/^\d{1,9}$/.test(opts.subSec)) throw new Error(`bad EXIF sub-seconds "${opts.subSec}"`);
  const o = opts.bigEndian ? BE : LE;
  const tiffHeader = Buffer.from(opts.bigEndian ? [0x4d, 0x4d, 0x00, 0x2a, 0, 0, 0, 8] : [0x49, 0x49, 0x2a, 0x00, 8, 0, 0, 0]);
  const exifAt = 8 + (2 + 2 * 12 + 4) + 20; // IFD0 has 2 entries and the 20-byte DateTime after it
  const pointer = Buffer.alloc(4);
  o.u32(pointer, exifAt, 0);
  const ifd0 = ifd([ascii(0x0132, local), { tag: 0x8769, type: LONG, count: 1, value: pointer }], 8, o);
  // EXIF IFD entries in ascending tag order, as the format asks
  const exifEntries = [ascii(0x9003, local)];
  if (offset !== undefined) exifEntries.push(ascii(0x9011, offset));
  if (opts.subSec !== undefined) exifEntries.push(ascii(0x9291, opts.subSec));
  const exifIfd = ifd(exifEntries, exifAt, o);
  const tiff = Buffer.concat([tiffHeader, ifd0, exifIfd]);
  const body = Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), tiff]);
  const marker = Buffer.from([0xff, 0xe1, 0, 0]);
  marker.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([marker, body]);
}

/** Inserts an APP1 segment after SOI and any JFIF APP0 (JFIF wants to stay first). */
export function insertJpegSegment(jpeg: Buffer, segment: Buffer): Buffer {
  if (jpeg.length < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8) throw new Error('not a JPEG (no SOI marker)');
  let at = 2;
  if (jpeg[2] === 0xff && jpeg[3] === 0xe0) at = 4 + jpeg.readUInt16BE(4);
  return Buffer.concat([jpeg.subarray(0, at), segment, jpeg.subarray(at)]);
}
