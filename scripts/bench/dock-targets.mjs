// The dock rows of issue 8's targets table, from docks.mjs's raw figures (medians over runs):
// KEY=VALUE lines for scripts/bench-ingest.sh.  Usage: node dock-targets.mjs docks.json
import fs from 'node:fs';
import { median } from './dock-lib.mjs';

const res = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const MiB = 1 << 20;
const mibs = (r) => r.bytes / MiB / r.wallS;
const counts = Object.keys(res.runs).map(Number).sort((a, b) => a - b);
const one = counts.includes(1) ? median(res.runs[1].map(mibs)) : NaN;
for (const n of counts) {
  const rs = res.runs[n];
  const agg = median(rs.map(mibs));
  console.log(`agg-cp-${n}=${agg / median(res.cp[n].map(mibs))}`);
  console.log(`agg-one-${n}=${agg / one}`);
  console.log(`last-started-${n}=${median(rs.map((r) => Math.max(...r.cams.map((c) => c.startedS))))}`);
  console.log(`rss-docks-${n}=${median(rs.map((r) => r.rssMB))}`);
  console.log(`cpu-docks-${n}=${median(rs.map((r) => r.cpuS / (r.bytes / 1024 ** 3)))}`);
}
const fast = res.latency?.['200'];
if (fast?.length) console.log(`first-byte=${median(fast.map((r) => r.firstByteS))}`);
