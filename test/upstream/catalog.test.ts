// The central catalog against a real PostgreSQL 15 (issue 14, item 6): three stations (three data
// directories, real ingests of ffmpeg-made footage) replicate at once into one catalog; a re-sent
// row adds nothing; a changed row follows; the server stopped mid-replication and restarted → the
// worker resumes, nothing lost or doubled, and the backlog and catalog-late show meanwhile; each
// station's chain as the catalog holds it verifies with its signed checkpoints and a row tampered
// in the catalog is found; the central `report late` is the sum of the stations'.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { firstMissing, notRoot, skipUnless } from '../helpers/require.js';
import { noPostgres, startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { openCustody, type Custody } from '../../src/custody/index.js';
import { mirrored } from '../../src/custody/migration-catalog.js';
import { Catalog } from '../../src/upstream/catalog/pg.js';
import { replicateOnce } from '../../src/upstream/catalog/replicate.js';
import { startCatalogWorker } from '../../src/upstream/catalog/worker.js';
import { verifyCatalog } from '../../src/upstream/catalog/verify.js';
import { decodeRow } from '../../src/upstream/catalog/rows.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';

// The CLI as a plain user goes through sudo to the service account: these tests act as root.
const missing = firstMissing(notRoot(), noPostgres());
const DAY = 86_400_000;

interface Station { name: string; dir: string; cfg: string; badge: string; serial: string }

let pg: TestPostgres;
let work = '';
const stations: Station[] = [];
const cli = (s: Station, ...args: string[]) => runCli(['--config', s.cfg, ...args]);
const ok = (s: Station, ...args: string[]) => {
  const r = cli(s, ...args);
  if (r.code !== 0) throw new Error(`${s.name}: ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
};
const json = <T>(s: Station, ...args: string[]) => JSON.parse(ok(s, ...args)) as T;
const configOf = (s: Station): Config => loadConfig({ file: s.cfg }).config;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');

/** Every mirrored row of a station's custody.db, by table, as JSON text sorted (what the catalog must hold). */
function localRows(s: Station): Map<string, string[]> {
  const db = new Database(path.join(s.dir, 'data', 'custody.db'), { readonly: true });
  try {
    const out = new Map<string, string[]>();
    const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name).filter(mirrored);
    for (const t of tables) {
      const rows = (db.prepare(`SELECT * FROM "${t}"`).all() as Record<string, unknown>[]).map((r) => JSON.stringify(sortKeys(r))).sort();
      if (rows.length) out.set(t, rows);
    }
    return out;
  } finally {
    db.close();
  }
}
const sortKeys = (r: Record<string, unknown>) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b)));

async function catalogRows(catalog: Catalog, name: string): Promise<Map<string, string[]>> {
  const id = (await catalog.stations()).find((x) => x.name === name)!.id;
  const out = new Map<string, string[]>();
  for (const r of await catalog.stationRows(id)) {
    const list = out.get(r.tbl) ?? [];
    list.push(JSON.stringify(sortKeys(decodeRow(r.data))));
    out.set(r.tbl, list);
  }
  for (const l of out.values()) l.sort();
  return out;
}

function auditCount(s: Station): number {
  const c = openCustody(path.join(s.dir, 'data'));
  try { return c.auditHead().seq; } finally { c.close(); }
}

function addStation(i: number, clips: number, ageMs: number): Station {
  const name = `st-${'abc'[i]}`;
  const s: Station = { name, dir: path.join(work, name), cfg: path.join(work, `${name}.yaml`), badge: `A0000${i + 1}`, serial: `CAM000${i + 1}` };
  fs.mkdirSync(s.dir, { recursive: true });
  fs.writeFileSync(s.cfg, [
    `dataDir: ${path.join(s.dir, 'data')}`, 'timezone: "+08:00"', 'unit: {code: "330100000000", name: "Test unit"}',
    'officers:', `  - {badge: "${s.badge}", name: "Officer ${i + 1}", roles: [officer]}`,
    'devices:', `  - {serial: "${s.serial}", badge: "${s.badge}"}`,
    `audit: {station: ${name}}`,
    // st-c: the 24 h rule shrunk to about a second, to see catalog-late during the outage
    'upstream:', `  catalog: ${pg.dsn}`, `  catalogPasswordFile: ${pg.passwordFile}`, ...(i === 2 ? ['  alertAfterHours: 0.0003'] : []), '',
  ].join('\n'));
  ok(s, 'sim', 'camera', path.join(s.dir, 'cam'), '--clips', String(clips), '--seconds', '1', '--photos', '0', '--audio', '0',
    '--start', iso(Date.now() - ageMs), '--serial', s.serial, '--badge', s.badge);
  ok(s, 'ingest', path.join(s.dir, 'cam'));
  ok(s, 'audit', 'checkpoint');
  stations.push(s);
  return s;
}

describe.skipIf(skipUnless('central catalog against PostgreSQL 15', missing))('central PostgreSQL catalog', () => {
  beforeAll(() => {
    pg = startPostgres();
    work = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-catalog-'));
    addStation(0, 3, 2 * DAY); // late
    addStation(1, 2, 3_600_000); // on time
    addStation(2, 4, 3 * DAY); // late
  }, 180_000);
  afterAll(() => {
    pg?.destroy();
    if (work) fs.rmSync(work, { recursive: true, force: true });
  });

  it('three stations replicate at once into one catalog: every row and audit entry, no more', async () => {
    const handles: { custody: Custody; catalog: Catalog }[] = [];
    try {
      for (const s of stations) {
        const config = configOf(s);
        handles.push({ custody: openCustody(config.dataDir), catalog: await Catalog.connect({ dsn: pg.dsn, passwordFile: pg.passwordFile }) });
      }
      const results = await Promise.all(stations.map((s, i) =>
        replicateOnce({ custody: handles[i]!.custody, config: configOf(s) }, handles[i]!.catalog, { batch: 7 })));
      for (const r of results) expect(r.batches).toBeGreaterThan(2); // several batches each, interleaved
      const inCatalog = await handles[0]!.catalog.stations();
      expect(inCatalog.map((x) => x.name)).toEqual(['st-a', 'st-b', 'st-c']);
      for (const s of stations) {
        const c = inCatalog.find((x) => x.name === s.name)!;
        expect(c.auditEntries).toBe(auditCount(s));
        expect(c.checkpoints).toBe(1);
        expect(c.publicKey).toContain('BEGIN PUBLIC KEY');
        expect(await catalogRows(handles[0]!.catalog, s.name)).toEqual(localRows(s));
      }
      // Re-sent rows add nothing: the same audit entries and rows again change no row of the catalog.
      const a = handles[0]!;
      const id = inCatalog.find((x) => x.name === 'st-a')!.id;
      const { auditAfter } = await import('../../src/custody/catalog.js');
      expect(await a.catalog.insertAudit(id, auditAfter(a.custody.ctx(), 0, 10_000))).toBe(0);
      const again = (await a.catalog.stationRows(id)).map((r) => ({ tbl: r.tbl, rid: r.rid, data: JSON.stringify(r.data) }));
      expect(again.length).toBeGreaterThan(5);
      expect(await a.catalog.applyRows(id, again)).toEqual({ upserted: 0, deleted: 0 });
      // and a second pass finds nothing to send
      expect(await replicateOnce({ custody: a.custody, config: configOf(stations[0]!) }, a.catalog)).toMatchObject({ auditEntries: 0, rows: 0, checkpoints: 0 });
      expect((await a.catalog.stations()).find((x) => x.name === 'st-a')!.auditEntries).toBe(auditCount(stations[0]!));
      // Two senders of one station at once (the daemon and a catalog-sync) take turns and leave the catalog exact.
      for (let k = 0; k < 40; k++) a.custody.raiseAlert({ kind: `bench-${k % 8}`, severity: 'info', message: `change ${k}` });
      const second = await Catalog.connect({ dsn: pg.dsn, passwordFile: pg.passwordFile });
      try {
        const env = { custody: a.custody, config: configOf(stations[0]!) };
        await Promise.all([replicateOnce(env, a.catalog, { batch: 3 }), replicateOnce(env, second, { batch: 3 })]);
      } finally {
        await second.close();
      }
      expect(await catalogRows(a.catalog, 'st-a')).toEqual(localRows(stations[0]!));
      expect((await a.catalog.stations()).find((x) => x.name === 'st-a')!.auditEntries).toBe(auditCount(stations[0]!));
    } finally {
      for (const h of handles) { h.custody.close(); await h.catalog.close(); }
    }
  });

  it('the password comes from upstream.catalogPasswordFile or, without it, from a pgpass file; a wrong one is refused', async () => {
    const password = fs.readFileSync(pg.passwordFile, 'utf8').trim();
    const port = new URL(pg.dsn).port;
    const pgpass = path.join(work, 'pgpass');
    fs.writeFileSync(pgpass, `127.0.0.1:${port}:evidock:evidock:${password}\n`, { mode: 0o600 });
    const before = process.env.PGPASSFILE;
    process.env.PGPASSFILE = pgpass;
    try {
      const c = await Catalog.connect({ dsn: pg.dsn });
      expect((await c.stations()).length).toBe(3);
      await c.close();
    } finally {
      if (before === undefined) delete process.env.PGPASSFILE; else process.env.PGPASSFILE = before;
    }
    const wrong = path.join(work, 'wrong-password');
    fs.writeFileSync(wrong, 'not-the-password\n');
    const err = await Catalog.connect({ dsn: pg.dsn, passwordFile: wrong }).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/password authentication failed/);
    expect((err as Error).message).not.toContain('not-the-password');
    const none = await Catalog.connect({ dsn: pg.dsn, passwordFile: path.join(work, 'absent') }).catch((e: Error) => e);
    expect((none as Error).message).toMatch(/upstream.catalogPasswordFile .*absent: ENOENT/);
  });

  it('a changed row follows (an alert acknowledged on the station is acknowledged in the catalog)', () => {
    const a = stations[0]!;
    const late = json<{ id: number }[]>(a, 'alerts', 'list', '--kind', 'late-upload', '--json')[0]!;
    ok(a, 'alerts', 'ack', String(late.id), '--note', 'spoke to the officer');
    const st = json<{ catalog: { pendingRows: number; pendingAuditEntries: number } }>(a, 'status', '--json');
    expect(st.catalog.pendingRows).toBeGreaterThan(0);
    expect(st.catalog.pendingAuditEntries).toBeGreaterThan(0);
    ok(a, 'upstream', 'catalog-sync');
    expect(json<{ catalog: { pendingRows: number; pendingAuditEntries: number; lastOkAt: string } }>(a, 'status', '--json').catalog)
      .toMatchObject({ pendingRows: 0, pendingAuditEntries: 0, lastOkAt: expect.any(String) });
    const acked = pg.psql(`SELECT acked_by || '|' || (acked_at IS NOT NULL) FROM evidock.alerts WHERE station = 'st-a' AND id = ${late.id}`);
    expect(acked).toBe('root|true');
    const cs = json<{ local: { pendingRows: number }; stations: { name: string; auditEntries: number }[]; unreachable: string | null }>(a, 'upstream', 'catalog-status', '--json');
    expect(cs).toMatchObject({ local: { pendingRows: 0 }, unreachable: null });
    expect(cs.stations.map((x) => x.name)).toEqual(['st-a', 'st-b', 'st-c']);
    // A deleted row goes from the catalog too (retention's grace list: a row in, then out again).
    const db = new Database(path.join(a.dir, 'data', 'custody.db'));
    const grace = (sql: string) => db.prepare(sql).run();
    const inCatalog = () => pg.psql("SELECT count(*) FROM evidock.rows r JOIN evidock.stations s ON s.id = r.station_id WHERE s.name = 'st-a' AND tbl = 'retention_grace'");
    try {
      grace("INSERT INTO retention_grace (recording_id, graced_at, purge_after, rule, keep_until) VALUES (1, 'a', 'b', 'c', 'd')");
      ok(a, 'upstream', 'catalog-sync');
      expect(inCatalog()).toBe('1');
      grace('DELETE FROM retention_grace WHERE recording_id = 1');
      expect(ok(a, 'upstream', 'catalog-sync')).toMatch(/ 1 deletions/);
      expect(inCatalog()).toBe('0');
    } finally {
      db.close();
    }
  });

  it('central report late equals the sum of the stations\'; --station gives one station\'s own report; retention plan too', () => {
    type Late = { rows: { level: string; unit: string; badge: string; recordings: number; late: number }[] };
    const local = stations.map((s) => json<Late>(s, 'report', 'late', '--format', 'json').rows);
    const central = json<Late>(stations[0]!, 'report', 'late', '--catalog', '--format', 'json').rows;
    const officers = (rows: Late['rows']) => rows.filter((r) => r.level === 'officer');
    expect(officers(central)).toEqual(local.flatMap(officers).sort((x, y) => x.badge.localeCompare(y.badge)));
    const unit = central.find((r) => r.level === 'unit')!;
    expect(unit.recordings).toBe(local.reduce((n, rows) => n + rows.find((r) => r.level === 'unit')!.recordings, 0));
    expect(unit.late).toBe(local.reduce((n, rows) => n + rows.find((r) => r.level === 'unit')!.late, 0));
    expect(unit).toMatchObject({ recordings: 9, late: 7 });
    // One station from another station's configuration: that station's own report.
    expect(json<Late>(stations[0]!, 'report', 'late', '--catalog', '--station', 'st-b', '--format', 'json').rows).toEqual(local[1]);
    // The same format: CSV headers identical.
    expect(ok(stations[0]!, 'report', 'late', '--catalog', '--format', 'csv').split('\r\n')[0]).toBe(ok(stations[0]!, 'report', 'late', '--format', 'csv').split('\r\n')[0]);
    const plans = stations.map((s) => json<unknown[]>(s, 'retention', 'plan', '--json').length);
    expect(json<unknown[]>(stations[1]!, 'retention', 'plan', '--catalog', '--json')).toHaveLength(plans.reduce((a, b) => a + b, 0));
    // The ledger reads the attribution a station derives by triggers: the catalog's copy derives it too.
    type Ledger = { rows: { serial: string; files: number; docks: number }[] };
    const cams = (rows: Ledger['rows']) => rows.filter((r) => r.files > 0).map(({ serial, files, docks }) => ({ serial, files, docks }));
    const localLedger = stations.flatMap((s) => cams(json<Ledger>(s, 'report', 'ledger', '--format', 'json').rows));
    const centralLedger = cams(json<Ledger>(stations[2]!, 'report', 'ledger', '--catalog', '--format', 'json').rows);
    expect(centralLedger.length).toBeGreaterThan(0);
    expect(centralLedger.sort((x, y) => x.serial.localeCompare(y.serial))).toEqual(localLedger.sort((x, y) => x.serial.localeCompare(y.serial)));
    const bad = cli(stations[0]!, 'report', 'late', '--catalog', '--station', 'st-x');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/no station st-x/);
    expect(cli(stations[0]!, 'report', 'late', '--station', 'st-b').code).toBe(2); // --station without --catalog
  });

  it('the server stopped mid-replication and restarted: the worker backs off, status and catalog-late show it, then it resumes with nothing lost or doubled', async () => {
    const c = stations[2]!;
    // More footage: a second camera session on st-c → a backlog of rows and audit entries.
    ok(c, 'sim', 'camera', path.join(c.dir, 'cam2'), '--clips', '6', '--seconds', '1', '--photos', '0', '--audio', '0',
      '--start', iso(Date.now() - 2 * DAY), '--serial', 'CAM0009', '--badge', c.badge);
    ok(c, 'ingest', path.join(c.dir, 'cam2'));
    const config = configOf(c);
    const custody = openCustody(config.dataDir);
    const worker = startCatalogWorker({ custody, config }, { batch: 1, intervalMs: 60_000, backoff: { minMs: 100, maxMs: 400 } });
    try {
      // Let the first pass get going, then stop the server under it.
      const { cursor } = await import('../../src/custody/catalog.js');
      const started = Date.now();
      while (cursor(custody.ctx(), 'audit_log') === 0 && Date.now() - started < 10_000) await new Promise((r) => setTimeout(r, 2));
      const at = { audit: cursor(custody.ctx(), 'audit_log'), head: custody.auditHead().seq };
      pg.stop();
      console.log(`server stopped with ${at.audit} of ${at.head} audit entries of st-c sent`);
      let outcome = await worker.nextPass();
      while (outcome.ok) outcome = await worker.nextPass(); // a pass that ended before the stop
      expect(outcome.error).toBeTruthy();
      const during = json<{ catalog: { pendingRows: number; pendingAuditEntries: number; lastError: string; failures: number } }>(c, 'status', '--json').catalog;
      expect(during.pendingRows + during.pendingAuditEntries).toBeGreaterThan(0);
      expect(during.lastError).toBeTruthy();
      expect(during.failures).toBeGreaterThan(0);
      expect(during.lastError).not.toContain(fs.readFileSync(pg.passwordFile, 'utf8').trim());
      await new Promise((r) => setTimeout(r, 1200)); // past alertAfterHours (≈1 s here)
      do outcome = await worker.nextPass(); while (outcome.ok);
      expect(custody.listAlerts({ open: true, kind: 'catalog-late' })).toHaveLength(1);
      pg.start();
      do outcome = await worker.nextPass(); while (!outcome.ok);
    } finally {
      await worker.stop();
    }
    const catalog = await Catalog.connect({ dsn: pg.dsn, passwordFile: pg.passwordFile });
    try {
      await replicateOnce({ custody, config }, catalog); // what the alert itself added
      expect((await catalog.stations()).find((x) => x.name === c.name)!.auditEntries).toBe(custody.auditHead().seq);
      expect(await catalogRows(catalog, c.name)).toEqual(localRows(c));
      expect(pg.psql("SELECT count(*) FROM evidock.recordings WHERE station = 'st-c'")).toBe('10');
    } finally {
      custody.close();
      await catalog.close();
    }
  });

  it('each station\'s chain in the catalog verifies with its signed checkpoints; a row tampered in the catalog is found', async () => {
    const catalog = await Catalog.connect({ dsn: pg.dsn, passwordFile: pg.passwordFile });
    try {
      const before = await verifyCatalog(catalog);
      expect(before.map((v) => [v.station, v.ok, v.checkpoints.ok])).toEqual([['st-a', true, 1], ['st-b', true, 1], ['st-c', true, 1]]);
      expect(cli(stations[0]!, 'upstream', 'catalog-verify').code).toBe(0);
      // Someone with rights on the server rewrites an entry of st-b (the append-only trigger has to go first).
      pg.psql(`ALTER TABLE evidock.audit_log DISABLE TRIGGER audit_log_append_only;
        UPDATE evidock.audit_log SET actor = 'nobody' WHERE seq = 2 AND station_id = (SELECT id FROM evidock.stations WHERE name = 'st-b');
        ALTER TABLE evidock.audit_log ENABLE TRIGGER audit_log_append_only;`);
      const after = await verifyCatalog(catalog);
      expect(after.map((v) => [v.station, v.ok])).toEqual([['st-a', true], ['st-b', false], ['st-c', true]]);
      expect(after[1]!.problems).toEqual([{ seq: 2, problem: 'hash does not match the entry contents' }]);
      const r = cli(stations[0]!, 'upstream', 'catalog-verify', '--station', 'st-b');
      expect(r.code).toBe(3);
      expect(r.stdout).toMatch(/FAIL st-b.*\n.*seq 2: hash does not match/);
      // Without the trigger switched off, the catalog refuses the change itself.
      expect(() => pg.psql("DELETE FROM evidock.audit_log WHERE seq = 1")).toThrow(/append-only/);
      // A cut-off tail (entries recomputed or not) no longer reaches the signed checkpoint.
      pg.psql(`ALTER TABLE evidock.audit_log DISABLE TRIGGER audit_log_append_only;
        DELETE FROM evidock.audit_log WHERE seq > 5 AND station_id = (SELECT id FROM evidock.stations WHERE name = 'st-c');
        ALTER TABLE evidock.audit_log ENABLE TRIGGER audit_log_append_only;`);
      const cut = (await verifyCatalog(catalog, ['st-c']))[0]!;
      expect(cut.ok).toBe(false);
      expect(cut.problems.some((p) => /truncated/.test(p.problem))).toBe(true);
      // The station notices that the catalog holds less than it sent and sends everything again.
      const c = stations[2]!;
      const custody = openCustody(configOf(c).dataDir);
      try {
        expect(await replicateOnce({ custody, config: configOf(c) }, catalog)).toMatchObject({ resent: true });
        expect((await verifyCatalog(catalog, ['st-c']))[0]).toMatchObject({ ok: true, entries: custody.auditHead().seq });
        expect(await catalogRows(catalog, c.name)).toEqual(localRows(c));
      } finally {
        custody.close();
      }
    } finally {
      await catalog.close();
    }
  });

  it('the daemon replicates on its own: a camera docked while it runs reaches the catalog', async () => {
    const s: Station = { name: 'st-d', dir: path.join(work, 'st-d'), cfg: path.join(work, 'st-d.yaml'), badge: 'A00004', serial: 'CAM0004' };
    const dock = path.join(s.dir, 'dock');
    fs.mkdirSync(dock, { recursive: true });
    fs.writeFileSync(s.cfg, [
      `dataDir: ${path.join(s.dir, 'data')}`, 'timezone: "+08:00"', 'unit: {code: "330100000000", name: "Test unit"}',
      `dock:\n  roots: [${JSON.stringify(dock)}]\n  settleMs: 200\n  blockDevices: false`,
      'officers:', `  - {badge: "${s.badge}", name: "Officer 4", roles: [officer]}`, 'devices:', `  - {serial: "${s.serial}", badge: "${s.badge}"}`,
      'audit: {station: st-d}', 'upstream:', `  catalog: ${pg.dsn}`, `  catalogPasswordFile: ${pg.passwordFile}`, '',
    ].join('\n'));
    const d = spawnCli(['--config', s.cfg, 'daemon']);
    const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
    const until = async <T>(what: string, f: () => T | undefined, ms = 60_000): Promise<T> => {
      const end = Date.now() + ms;
      for (;;) {
        const v = f();
        if (v !== undefined) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await new Promise((r) => setTimeout(r, 200));
      }
    };
    try {
      await until('daemon state', () => (fs.existsSync(path.join(s.dir, 'data', 'run/daemon.json')) ? true : undefined));
      ok(s, 'sim', 'camera', path.join(s.dir, 'staging', s.serial), '--clips', '2', '--seconds', '1', '--photos', '0', '--audio', '0',
        '--start', iso(Date.now() - 2 * DAY), '--serial', s.serial, '--badge', s.badge);
      fs.renameSync(path.join(s.dir, 'staging', s.serial), path.join(dock, s.serial));
      await until('recordings in the catalog', () => (pg.psql("SELECT count(*) FROM evidock.recordings WHERE station = 'st-d'") === '2' ? true : undefined));
      expect(pg.psql("SELECT count(*) FROM evidock.alerts WHERE station = 'st-d' AND kind = 'late-upload'")).toBe('1');
    } finally {
      d.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  });
});
