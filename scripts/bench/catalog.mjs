// Catalog benchmark body (scripts/bench-catalog.sh): synthetic stations of N recordings each (one
// object, one recording and their audit entries per file, committed through custody as an ingest
// does), replicated to the catalog: one station alone, then three at once; then `report late`
// on one station against `report late --catalog` over all of them (CLI, wall time).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
const [root, work, dsn, passwordFile, nArg] = process.argv.slice(2);
const N = Number(nArg);
const { openCustody } = await import(path.join(root, 'dist/custody/index.js'));
const { Catalog } = await import(path.join(root, 'dist/upstream/catalog/pg.js'));
const { replicateOnce } = await import(path.join(root, 'dist/upstream/catalog/replicate.js'));
const { loadConfig } = await import(path.join(root, 'dist/config/load.js'));

function station(name) {
  const dir = path.join(work, name);
  const cfg = path.join(work, `${name}.yaml`);
  fs.writeFileSync(cfg, `dataDir: ${dir}\ntimezone: "+08:00"\naudit: {station: ${name}}\nupstream:\n  catalog: ${dsn}\n  catalogPasswordFile: ${passwordFile}\n`);
  const c = openCustody(dir);
  const serial = `CAM-${name}`;
  c.upsertDevice({ serial, profile: 'generic', inRoster: false });
  const session = c.startSession({ deviceSerial: serial, profile: 'generic', sourcePath: '/bench', badge: `B-${name}` });
  const t0 = Date.parse('2026-11-20T00:00:00Z');
  for (let i = 0; i < N; i += 500) {
    const batch = [];
    for (let j = i; j < Math.min(N, i + 500); j++) {
      batch.push({
        sessionId: session, deviceSerial: serial, badge: `B-${name}`, sourcePath: `DCIM/${j}.MP4`, size: 1000 + j, mtimeMs: t0 + j * 60_000,
        sha256: createHash('sha256').update(`${name}/${j}`).digest('hex'), recordedStart: new Date(t0 + j * 60_000), recordedEnd: new Date(t0 + j * 60_000 + 30_000),
        durationS: 30, startSource: 'filename', mediaKind: 'video',
      });
    }
    c.commitRecordings(batch);
  }
  c.endSession(session, { status: 'complete', files: N, bytes: 0, stored: N, duplicates: 0, failed: 0, errors: [] });
  return { name, cfg, custody: c, config: loadConfig({ file: cfg }).config };
}

async function replicate(stations) {
  const cats = await Promise.all(stations.map(() => Catalog.connect({ dsn, passwordFile })));
  const t0 = performance.now();
  const rs = await Promise.all(stations.map((s, i) => replicateOnce({ custody: s.custody, config: s.config }, cats[i])));
  const ms = performance.now() - t0;
  await Promise.all(cats.map((c) => c.close()));
  const audit = rs.reduce((n, r) => n + r.auditEntries, 0);
  const rows = rs.reduce((n, r) => n + r.rows, 0);
  return { stations: stations.length, auditEntries: audit, rows, seconds: Math.round(ms) / 1000, perSecond: Math.round((audit + rows) / (ms / 1000)) };
}

const one = [station('bench-1')];
const three = [station('bench-2'), station('bench-3'), station('bench-4')];
console.log(`CATALOG-BENCH ${JSON.stringify({ recordingsPerStation: N, alone: await replicate(one) })}`);
console.log(`CATALOG-BENCH ${JSON.stringify({ recordingsPerStation: N, atOnce: await replicate(three) })}`);
for (const s of [...one, ...three]) s.custody.close();
const cli = (cfg, args) => {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [path.join(root, 'dist/cli/main.js'), '--config', cfg, ...args], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`${args.join(' ')}: ${r.stderr}`);
  return { seconds: Math.round(performance.now() - t0) / 1000, rows: JSON.parse(r.stdout).rows.length };
};
console.log(`CATALOG-BENCH ${JSON.stringify({
  reportLateStation: cli(one[0].cfg, ['report', 'late', '--format', 'json']),
  reportLateCatalogOneStation: cli(one[0].cfg, ['report', 'late', '--catalog', '--station', 'bench-1', '--format', 'json']),
  reportLateCatalogAll: { ...cli(one[0].cfg, ['report', 'late', '--catalog', '--format', 'json']), recordings: 4 * N },
})}`);
