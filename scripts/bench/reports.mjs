// scripts/bench-reports.sh's worker: builds the synthetic custody database (src/custody/ledger-bench.ts)
// and times every report of the `report` group, all-time and for one month, each the median of
// BENCH_RUNS runs (rows computed and rendered as JSON; the xlsx column renders the workbook too).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openCustody } from '../../dist/custody/index.js';
import { fillBenchDatabase, BENCH_DEFAULT, BENCH_START } from '../../dist/custody/ledger-bench.js';
import { REPORTS, renderAny } from '../../dist/ledger/catalog.js';
import { DEFAULT_RULES } from '../../dist/compliance/rules.js';

const n = (k, d) => (process.env[k] ? Number(process.env[k]) : d);
const size = {
  ...BENCH_DEFAULT, recordings: n('BENCH_RECORDINGS', BENCH_DEFAULT.recordings), cameras: n('BENCH_CAMERAS', BENCH_DEFAULT.cameras),
  officers: n('BENCH_OFFICERS', BENCH_DEFAULT.officers), handovers: n('BENCH_HANDOVERS', BENCH_DEFAULT.handovers),
};
const runs = n('BENCH_RUNS', 3);
// BENCH_REUSE=DIR: time the reports on a database an earlier run kept (BENCH_KEEP=1) instead of building one.
const reuse = process.env.BENCH_REUSE;
const dir = reuse ?? fs.mkdtempSync(path.join(process.env.BENCH_DIR ?? os.tmpdir(), 'evidock-bench-reports-'));
try {
  let custody = openCustody(dir, { actor: 'bench', osUser: null });
  let t = performance.now();
  const filled = reuse ? { sessions: custody.stats().sessions, gaps: custody.gaps.listGaps().length } : fillBenchDatabase(custody.ctx(), size);
  const buildS = (performance.now() - t) / 1000;
  custody.close();
  custody = openCustody(dir, { actor: 'bench', osUser: null }); // a fresh connection, as a CLI call has
  const stats = custody.stats();
  const dbMiB = fs.statSync(path.join(dir, 'custody.db')).size / 2 ** 20;
  console.log(`database: ${stats.recordings} recordings, ${size.cameras} cameras, ${size.officers} officers, ${size.handovers} handovers, `
    + `${filled.sessions} dock sessions, ${filled.gaps} gaps; built in ${buildS.toFixed(1)} s, ${dbMiB.toFixed(0)} MiB`);
  // 30 station days (+08:00), as `--from 2026-04-30 --to 2026-05-30` asks for them.
const STATION = 8 * 3_600_000;
const month = { from: new Date(BENCH_START + 150 * 86_400_000 - STATION).toISOString(), to: new Date(BENCH_START + 180 * 86_400_000 - STATION).toISOString() };
  const scope = (range) => ({
    custody, rules: DEFAULT_RULES, timezone: '+08:00', stationUnit: 'U000', from: range.from, to: range.to,
    seesOfficer: () => true, seesUnit: () => true, now: new Date(),
  });
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const time = async (def, range, format) => {
    const ms = [];
    let rows = 0;
    for (let i = 0; i < runs; i++) {
      const t0 = performance.now();
      const r = def.rows(scope(range), 'B00002');
      await renderAny({ report: def.name, generatedAt: new Date().toISOString(), generatedBy: 'bench', params: range, rows: r }, def.columns, { format, lang: 'zh', timezone: '+08:00' });
      ms.push(performance.now() - t0);
      rows = r.length;
    }
    return { ms: median(ms), rows };
  };
  const lines = [['report', 'rows (all time)', 'all time json ms', 'all time xlsx ms', 'one month json ms', 'target']];
  let worst = 0;
  for (const def of REPORTS) {
    const all = await time(def, { from: null, to: null }, 'json');
    const x = await time(def, { from: null, to: null }, 'xlsx');
    const m = await time(def, month, 'json');
    worst = Math.max(worst, all.ms, m.ms);
    lines.push([def.name, String(all.rows), all.ms.toFixed(0), x.ms.toFixed(0), m.ms.toFixed(0), all.ms < 500 && m.ms < 500 ? 'ok' : 'SLOW']);
  }
  const w = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  for (const l of lines) console.log(l.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join('  '));
  console.log(`slowest: ${worst.toFixed(0)} ms (target < 500 ms each; median of ${runs} runs; node ${process.version}, ${os.cpus().length} CPU(s))`);
  custody.close();
  process.exitCode = worst < 500 ? 0 : 1;
} finally {
  if (!process.env.BENCH_KEEP && !reuse) fs.rmSync(dir, { recursive: true, force: true });
  else console.log(`kept ${dir}`);
}
