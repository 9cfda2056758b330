// Metadata alone, for scripts/bench-metadata.sh: every file of DIR read by ffprobe (probeMedia,
// as the ingest did before) and in-process (readMediaInfo), PARALLEL at a time as the ingest
// does; prints seconds for each and the ffprobe processes started.
//   node metadata-read.mjs ROOT DIR PARALLEL
import { readdirSync } from 'node:fs';
import path from 'node:path';

const [root, dir, parallel] = process.argv.slice(2);
const media = await import(path.join(root, 'dist/media/index.js'));
const files = readdirSync(dir).map((f) => path.join(dir, f));

async function timeAll(fn) {
  let next = 0;
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: Number(parallel) }, async () => {
    while (next < files.length) await fn(files[next++]).catch(() => undefined);
  }));
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

const p0 = media.toolRuns().ffprobe;
const probeS = await timeAll((f) => media.probeMedia(f));
const p1 = media.toolRuns().ffprobe;
const readS = await timeAll((f) => media.readMediaInfo(f, { kind: 'photo', timezone: '+08:00' }));
const p2 = media.toolRuns().ffprobe;
console.log(JSON.stringify({ files: files.length, probeS, probeRuns: p1 - p0, readS, readRuns: p2 - p1 }));
