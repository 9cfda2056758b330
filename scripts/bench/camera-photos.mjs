// Camera photos for the ingest benchmark (scripts/bench/lib.sh make_volume): real JPEG bytes, as
// cameras write them, not random bytes named .JPG (those would send every photo to the ffprobe
// fallback). One small ffmpeg JPEG (made by the caller) gets its own EXIF shot time per photo and
// is padded to its size with JPEG comment segments of random bytes, so no two photos, cameras or
// runs deduplicate. Sizes: FIXED bytes each, or 8-56 KiB.
//   node camera-photos.mjs ROOT BASE.jpg OUTDIR N SERIAL BADGE untimed|timed FIXED
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

const [root, base, out, n, serial, badge, names, fixed] = process.argv.slice(2);
const { exifDateSegment, insertJpegSegment } = await import(path.join(root, 'dist/media/exif.js'));
const jpeg = readFileSync(base);
const p = (x, w) => String(x).padStart(w, '0');
const count = Number(n);
for (let i = 0; i < count; i++) {
  const t = new Date(Date.UTC(2026, 10, 26, 9, 0, 0) + i * 1000);
  const ymd = `${t.getUTCFullYear()}${p(t.getUTCMonth() + 1, 2)}${p(t.getUTCDate(), 2)}`;
  const hms = `${p(t.getUTCHours(), 2)}${p(t.getUTCMinutes(), 2)}${p(t.getUTCSeconds(), 2)}`;
  const name = names === 'untimed' ? `IMG_${p(i + 1, count > 9999 ? 5 : 4)}.JPG` : `${ymd}_${hms}_${serial}_${badge}_${p(i + 1, 4)}.JPG`;
  const exif = exifDateSegment(`${ymd.slice(0, 4)}:${ymd.slice(4, 6)}:${ymd.slice(6, 8)} ${hms.slice(0, 2)}:${hms.slice(2, 4)}:${hms.slice(4, 6)}`, '+00:00');
  let photo = insertJpegSegment(jpeg, exif);
  const size = Number(fixed) > 0 ? Number(fixed) : 8192 + ((i * 7919) % 49152);
  let left = size - photo.length;
  while (left > 4) { // comment segments: marker, length (<= 65535, counting itself), random bytes
    const body = Math.min(left - 4, 65533);
    const com = Buffer.concat([Buffer.from([0xff, 0xfe, (body + 2) >> 8, (body + 2) & 0xff]), randomBytes(body)]);
    photo = insertJpegSegment(photo, com);
    left -= com.length;
  }
  writeFileSync(path.join(out, name), photo);
}
