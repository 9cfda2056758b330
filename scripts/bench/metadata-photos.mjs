// Makes N camera photos of SIZE bytes for scripts/bench-metadata.sh: one real ffmpeg JPEG
// (made by the caller), each copy with its own EXIF shot time (so no two hash alike) and padded
// to SIZE with a JPEG comment segment. Names: untimed (IMG_0001.JPG, as many cameras write) or
// timed (the generic profile's 20261126_090000_SERIAL_BADGE_0001.JPG).
//   node metadata-photos.mjs ROOT BASE.jpg OUTDIR N SIZE untimed|timed|random SERIAL BADGE
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [root, base, out, n, size, naming, serial, badge] = process.argv.slice(2);
const { exifDateSegment, insertJpegSegment } = await import(path.join(root, 'dist/media/exif.js'));
const jpeg = readFileSync(base);
const two = (x) => String(x).padStart(2, '0');
for (let i = 1; i <= Number(n); i++) {
  const t = new Date(Date.UTC(2026, 10, 26, 1, 0, 0) + i * 1000); // 09:00 at +08:00
  const local = new Date(t.getTime() + 8 * 3600_000);
  const stamp = `${local.getUTCFullYear()}${two(local.getUTCMonth() + 1)}${two(local.getUTCDate())}_${two(local.getUTCHours())}${two(local.getUTCMinutes())}${two(local.getUTCSeconds())}`;
  const name = naming === 'timed' ? `${stamp}_${serial}_${badge}_${String(i).padStart(4, '0')}.JPG` : `IMG_${String(i).padStart(4, '0')}.JPG`;
  if (naming === 'random') { writeFileSync(path.join(out, name), randomBytes(Number(size))); continue; }
  const exif = exifDateSegment(`${stamp.slice(0, 4)}:${stamp.slice(4, 6)}:${stamp.slice(6, 8)} ${stamp.slice(9, 11)}:${stamp.slice(11, 13)}:${stamp.slice(13, 15)}`, '+08:00');
  let photo = insertJpegSegment(jpeg, exif);
  const pad = Number(size) - photo.length - 4;
  if (pad > 65533) throw new Error(`SIZE too large for one comment segment of padding (${pad} bytes)`);
  if (pad > 0) {
    const com = Buffer.alloc(4 + pad, 0x20);
    com.writeUInt16BE(0xfffe, 0);
    com.writeUInt16BE(pad + 2, 2);
    photo = insertJpegSegment(photo, com);
  }
  writeFileSync(path.join(out, name), photo);
}
