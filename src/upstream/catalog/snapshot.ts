// `--catalog` reports: the rows of the chosen stations (all, or --station) pulled from the catalog
// into a throw-away in-memory custody database with the station schema, ids kept apart per station
// (rows.ts), so every report runs its unchanged code over all stations at once.
import { Custody } from '../../custody/index.js';
import { deriveSnapshotTables, insertSnapshotRows, openSnapshotDatabase, repointReferences } from '../../custody/snapshot.js';
import type { Catalog } from './pg.js';
import { decodeRow, remapRow, STATION_ID_FACTOR } from './rows.js';

export interface Snapshot { custody: Custody; stations: string[]; rows: number; ms: number }

export async function pullSnapshot(catalog: Catalog, only?: readonly string[]): Promise<Snapshot> {
  const t0 = performance.now();
  const all = await catalog.stations();
  const picked = only?.length ? all.filter((s) => only.includes(s.name)) : all;
  const unknown = (only ?? []).filter((n) => !all.some((s) => s.name === n));
  if (unknown.length) throw Object.assign(new Error(`--station: the catalog has no station ${unknown.join(', ')} (it has ${all.map((s) => s.name).join(', ') || 'none'})`), { exitCode: 2 });
  const db = openSnapshotDatabase();
  let rows = 0;
  try {
    for (const s of picked) {
      // One station: its own ids, so a central report of one station reads like the station's.
      const offset = picked.length === 1 ? 0 : s.id * STATION_ID_FACTOR;
      const byTable = new Map<string, Record<string, unknown>[]>();
      for (const r of await catalog.stationRows(s.id)) {
        let list = byTable.get(r.tbl);
        if (!list) byTable.set(r.tbl, (list = []));
        list.push(remapRow(decodeRow(r.data), offset));
      }
      byTable.set('audit_log', (await catalog.auditRows(s.id)).map((a) => remapRow({ ...a }, offset)));
      const merged: { table: string; id: number; into: number }[] = [];
      for (const [table, list] of byTable) {
        const res = insertSnapshotRows(db, table, list);
        rows += res.inserted;
        for (const m of res.merged) merged.push({ table, ...m });
      }
      for (const m of merged) repointReferences(db, m.table, m.id, m.into);
    }
    deriveSnapshotTables(db); // the ledger's attribution and rollup, which reports read
  } catch (err) {
    db.close();
    throw err;
  }
  return { custody: new Custody(':catalog:', db, { actor: 'system', osUser: null }), stations: picked.map((s) => s.name), rows, ms: performance.now() - t0 };
}
