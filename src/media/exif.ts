// A minimal EXIF block for simulated camera photos: DateTime, DateTimeOriginal and
// OffsetTimeOriginal, the fields an ingest reads to date a photo. Pure byte work, no tools.

interface Entry { tag: number; type: 2 | 4; count: number; value: Buffer }

const ASCII = 2;
const LONG = 4;

function ascii(tag: number, s: string): Entry {
  const value = Buffer.from(`${s}\0`, 'latin1');
  return { tag, type: ASCII, count: value.length, value };
}

/** Lays out one IFD at `at`; values over 4 bytes follow the IFD. Returns the bytes. */
function ifd(entries: Entry[], at: number): Buffer {
  const head = Buffer.alloc(2 + entries.length * 12 + 4);
  head.writeUInt16LE(entries.length, 0);
  const extra: Buffer[] = [];
  let dataAt = at + head.length;
  entries.forEach((e, i) => {
    const p = 2 + i * 12;
    head.writeUInt16LE(e.tag, p);
    head.writeUInt16LE(e.type, p + 2);
    head.writeUInt32LE(e.count, p + 4);
    if (e.value.length <= 4) {
      e.value.copy(head, p + 8);
    } else {
      head.writeUInt32LE(dataAt, p + 8);
      extra.push(e.value);
      dataAt += e.value.length;
    }
  });
  // next-IFD offset stays 0: a single image, no thumbnail
  return Buffer.concat([head, ...extra]);
}

/**
 * Builds an APP1 Exif segment. `local` is the camera's wall clock "YYYY:MM:DD HH:MM:SS",
 * `offset` its UTC offset "+08:00".
 */
export function exifDateSegment(local: string, offset: string): Buffer {
  if (!/^\d{4}:\d{2}:\d{2} \d{2}:\d{2}:\d{2}$/.test(local)) throw new Error(`bad EXIF date "${local}"`);
  if (!/^[+-]\d{2}:\d{2}$/.test(offset)) throw new Error(`bad EXIF offset "${offset}"`);
  const tiffHeader = Buffer.from([0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00]); // "II", 42, IFD0 at 8
  const exifAt = 8 + (2 + 2 * 12 + 4) + 20; // IFD0 has 2 entries and the 20-byte DateTime after it
  const pointer = Buffer.alloc(4);
  pointer.writeUInt32LE(exifAt);
  const ifd0 = ifd([ascii(0x0132, local), { tag: 0x8769, type: LONG, count: 1, value: pointer }], 8);
  const exifIfd = ifd([ascii(0x9003, local), ascii(0x9011, offset)], exifAt);
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
