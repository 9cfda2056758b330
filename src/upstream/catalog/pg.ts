// The PostgreSQL adapter of the central catalog: the only place SQL for PostgreSQL is written, and
// the catalog's one network use (a LAN IP address only).
// Schema `evidock`: stations (name, Ed25519 public key), audit_log (each station's chain exactly as
// the station hashed it; append-only, enforced by a trigger), checkpoints (the signed bytes and the
// signature), rows (every other mirrored station row as JSON, keyed by station, table and key),
// and typed views for people querying the catalog directly.
import fs from 'node:fs';
import type pg from 'pg';
import { notOnLan } from '../../compliance/lan-webhook.js';
import type { RawAudit } from '../../custody/catalog.js';

export interface CatalogOptions { dsn: string; passwordFile?: string | undefined; connectTimeoutMs?: number }
export interface StationInfo { id: number; name: string; publicKey: string | null; registeredAt: string; lastSeen: string | null; auditEntries: number; rows: number; checkpoints: number }
export interface CheckpointRecord { seq: number; at: string; body: string; signature: Buffer }
export interface RowChange { tbl: string; rid: string; data: string | null }

/** The DSN with any password in it masked, for messages and logs. */
export function redactDsn(dsn: string): string {
  return dsn.replace(/^(postgres(?:ql)?:\/\/[^:@/]*:)[^@]*@/, '$1***@');
}

function readPassword(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').replace(/\r?\n$/, '');
  } catch (err) {
    throw new Error(`upstream.catalogPasswordFile ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/** The DSN's parts (node-postgres would let a connectionString without a password override ours). */
function dsnParts(dsn: string): pg.ClientConfig {
  let u: URL;
  try { u = new URL(dsn); } catch { throw new Error(`upstream.catalog: not a postgresql:// URI: ${redactDsn(dsn)}`); }
  const params = Object.fromEntries(u.searchParams);
  // Invariant 6: the only network use is the unit's LAN, named by IP (no DNS answer can point it outside).
  const why = notOnLan(`http://${u.host}/`);
  if (why) throw Object.assign(new Error(`upstream.catalog ${redactDsn(dsn)}: not on the unit's LAN: ${why}`), { exitCode: 2 });
  return {
    host: decodeURIComponent(u.hostname).replace(/^\[(.*)\]$/, '$1') || (params.host ?? 'localhost'),
    port: u.port ? Number(u.port) : 5432,
    user: decodeURIComponent(u.username) || undefined,
    database: decodeURIComponent(u.pathname.replace(/^\//, '')) || undefined,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(params.sslmode && params.sslmode !== 'disable' ? { ssl: { rejectUnauthorized: params.sslmode === 'verify-full' } } : {}),
  };
}

// bigint columns (seq) as numbers: every seq fits in 2^53.
// node-postgres is loaded by connect(), not with the CLI (only the catalog commands need it).
const typesOf = (lib: typeof pg) => ({ getTypeParser: (oid: number, format?: 'text' | 'binary') => (oid === 20 ? (v: string) => Number(v) : lib.types.getTypeParser(oid, format as 'text')) });

const SCHEMA = `
CREATE SCHEMA IF NOT EXISTS evidock;
CREATE TABLE IF NOT EXISTS evidock.stations (
  id            serial PRIMARY KEY,
  name          text NOT NULL UNIQUE,
  public_key    text,                    -- PEM; checkpoints of this station verify with it
  registered_at timestamptz NOT NULL DEFAULT now(),
  last_seen     timestamptz
);
CREATE TABLE IF NOT EXISTS evidock.audit_log (
  station_id  integer NOT NULL REFERENCES evidock.stations(id),
  seq         bigint NOT NULL,
  at          text NOT NULL,             -- exactly as hashed
  actor       text NOT NULL,
  event       text NOT NULL,
  payload     text NOT NULL,             -- canonical JSON text, exactly as hashed
  os_user     text,
  prev_hash   text NOT NULL,
  hash        text NOT NULL,
  received_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, seq)
);
CREATE TABLE IF NOT EXISTS evidock.checkpoints (
  station_id  integer NOT NULL REFERENCES evidock.stations(id),
  seq         bigint NOT NULL,
  at          text NOT NULL,
  body        text NOT NULL,             -- the signed bytes (canonical JSON)
  signature   bytea NOT NULL,            -- Ed25519 over body
  PRIMARY KEY (station_id, seq, at)
);
CREATE TABLE IF NOT EXISTS evidock.rows (
  station_id  integer NOT NULL REFERENCES evidock.stations(id),
  tbl         text NOT NULL,
  rid         text NOT NULL,             -- JSON array of the row's key on the station
  data        jsonb NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (station_id, tbl, rid)
);
CREATE OR REPLACE FUNCTION evidock.refuse_change() RETURNS trigger LANGUAGE plpgsql AS
  $$ BEGIN RAISE EXCEPTION 'evidock: % is append-only', TG_TABLE_NAME; END $$;
CREATE OR REPLACE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON evidock.audit_log
  FOR EACH ROW EXECUTE FUNCTION evidock.refuse_change();
CREATE OR REPLACE TRIGGER checkpoints_append_only BEFORE UPDATE OR DELETE ON evidock.checkpoints
  FOR EACH ROW EXECUTE FUNCTION evidock.refuse_change();
CREATE OR REPLACE VIEW evidock.recordings AS
  SELECT s.name AS station, x.* FROM evidock.rows r JOIN evidock.stations s ON s.id = r.station_id,
    jsonb_to_record(r.data) AS x(id bigint, session_id bigint, device_serial text, badge text, source_path text, size bigint,
      sha256 text, recorded_start text, recorded_end text, corrected_start text, corrected_end text, duration_s float8,
      media_kind text, ingested_at text)
  WHERE r.tbl = 'recordings';
CREATE OR REPLACE VIEW evidock.dock_sessions AS
  SELECT s.name AS station, x.* FROM evidock.rows r JOIN evidock.stations s ON s.id = r.station_id,
    jsonb_to_record(r.data) AS x(id bigint, device_id bigint, profile text, badge text, started_at text, ended_at text, status text,
      files bigint, bytes bigint, stored bigint, duplicates bigint, failed bigint, clock_offset_s float8)
  WHERE r.tbl = 'dock_sessions';
CREATE OR REPLACE VIEW evidock.devices AS
  SELECT s.name AS station, x.* FROM evidock.rows r JOIN evidock.stations s ON s.id = r.station_id,
    jsonb_to_record(r.data) AS x(id bigint, serial text, profile text, model text, first_seen text, last_seen text, assigned bigint)
  WHERE r.tbl = 'devices';
CREATE OR REPLACE VIEW evidock.alerts AS
  SELECT s.name AS station, x.* FROM evidock.rows r JOIN evidock.stations s ON s.id = r.station_id,
    jsonb_to_record(r.data) AS x(id bigint, at text, kind text, severity text, subject text, device_serial text, session_id bigint,
      message text, last_seen text, count bigint, acked_at text, acked_by text)
  WHERE r.tbl = 'alerts';
`;

export class Catalog {
  readonly #client: pg.Client;
  #broken: Error | undefined;

  private constructor(client: pg.Client) {
    this.#client = client;
    // An idle connection that drops (server stopped) emits 'error': remember it, never crash.
    client.on('error', (err) => { this.#broken = err; });
  }

  static async connect(opts: CatalogOptions): Promise<Catalog> {
    const lib = (await import('pg')).default;
    const client = new lib.Client({
      ...dsnParts(opts.dsn),
      // No password option: node-postgres falls back to ~/.pgpass (PGPASSFILE).
      ...(opts.passwordFile !== undefined ? { password: readPassword(opts.passwordFile) } : {}),
      connectionTimeoutMillis: opts.connectTimeoutMs ?? 10_000,
      application_name: 'evidock',
      types: typesOf(lib),
    });
    try {
      await client.connect();
    } catch (err) {
      await client.end().catch(() => {});
      throw new Error(`catalog ${redactDsn(opts.dsn)}: ${(err as Error).message}`);
    }
    const c = new Catalog(client);
    try {
      await c.#tx(async () => {
        // Several stations may create the schema at once: one at a time.
        await client.query('SELECT pg_advisory_xact_lock(7411)');
        await client.query(SCHEMA);
      });
    } catch (err) {
      await c.close();
      throw err;
    }
    return c;
  }

  get broken(): Error | undefined { return this.#broken; }

  async close(): Promise<void> {
    await this.#client.end().catch(() => {});
  }

  async #tx<T>(fn: () => Promise<T>): Promise<T> {
    await this.#client.query('BEGIN');
    try {
      const r = await fn();
      await this.#client.query('COMMIT');
      return r;
    } catch (err) {
      await this.#client.query('ROLLBACK').catch(() => {});
      throw err;
    }
  }

  /** The station's id, registering it (with its public key) on first contact; a different key is refused. */
  async registerStation(name: string, publicKey: string | null): Promise<number> {
    return this.#tx(async () => {
      await this.#client.query('INSERT INTO evidock.stations (name, public_key) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, publicKey]);
      const r = await this.#client.query<{ id: number; public_key: string | null }>(
        'SELECT id, public_key FROM evidock.stations WHERE name = $1 FOR UPDATE', [name]);
      const row = r.rows[0]!;
      if (row.public_key === null && publicKey !== null) {
        await this.#client.query('UPDATE evidock.stations SET public_key = $2 WHERE id = $1', [row.id, publicKey]);
      } else if (row.public_key !== null && publicKey !== null && row.public_key.trim() !== publicKey.trim()) {
        throw new Error(`catalog: station ${name} is registered with another public key (a second station of that name, or a replaced key)`);
      }
      await this.#client.query('UPDATE evidock.stations SET last_seen = now() WHERE id = $1', [row.id]);
      return row.id;
    });
  }

  /** Idempotent: an entry already there is left as it is (the catalog keeps what it first received). */
  async insertAudit(stationId: number, rows: readonly RawAudit[]): Promise<number> {
    if (!rows.length) return 0;
    const col = <K extends keyof RawAudit>(k: K) => rows.map((r) => r[k]);
    const r = await this.#client.query(`INSERT INTO evidock.audit_log (station_id, seq, at, actor, event, payload, os_user, prev_hash, hash)
      SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
      ON CONFLICT (station_id, seq) DO NOTHING`,
    [stationId, col('seq'), col('at'), col('actor'), col('event'), col('payload'), col('os_user'), col('prev_hash'), col('hash')]);
    return r.rowCount ?? 0;
  }

  /** Upserts changed rows and deletes deleted ones, in one transaction; a re-sent row changes nothing. */
  async applyRows(stationId: number, changes: readonly RowChange[]): Promise<{ upserted: number; deleted: number }> {
    const up = changes.filter((c) => c.data !== null);
    const del = changes.filter((c) => c.data === null);
    return this.#tx(async () => {
      let upserted = 0;
      let deleted = 0;
      if (up.length) {
        const r = await this.#client.query(`INSERT INTO evidock.rows (station_id, tbl, rid, data)
          SELECT $1, t, r, d::jsonb FROM unnest($2::text[], $3::text[], $4::text[]) AS u(t, r, d)
          ON CONFLICT (station_id, tbl, rid) DO UPDATE SET data = EXCLUDED.data, updated_at = now()
            WHERE evidock.rows.data IS DISTINCT FROM EXCLUDED.data`,
        [stationId, up.map((c) => c.tbl), up.map((c) => c.rid), up.map((c) => c.data)]);
        upserted = r.rowCount ?? 0;
      }
      if (del.length) {
        const r = await this.#client.query(`DELETE FROM evidock.rows WHERE station_id = $1
          AND (tbl, rid) IN (SELECT * FROM unnest($2::text[], $3::text[]))`, [stationId, del.map((c) => c.tbl), del.map((c) => c.rid)]);
        deleted = r.rowCount ?? 0;
      }
      return { upserted, deleted };
    });
  }

  async insertCheckpoints(stationId: number, cps: readonly CheckpointRecord[]): Promise<number> {
    if (!cps.length) return 0;
    const r = await this.#client.query(`INSERT INTO evidock.checkpoints (station_id, seq, at, body, signature)
      SELECT $1, s, a, b, decode(g, 'base64') FROM unnest($2::int8[], $3::text[], $4::text[], $5::text[]) AS u(s, a, b, g)
      ON CONFLICT (station_id, seq, at) DO NOTHING`,
    [stationId, cps.map((c) => c.seq), cps.map((c) => c.at), cps.map((c) => c.body), cps.map((c) => c.signature.toString('base64'))]);
    return r.rowCount ?? 0;
  }

  async stations(): Promise<StationInfo[]> {
    const r = await this.#client.query<StationInfo>(`SELECT s.id, s.name, s.public_key AS "publicKey", s.registered_at::text AS "registeredAt",
        s.last_seen::text AS "lastSeen",
        (SELECT count(*) FROM evidock.audit_log a WHERE a.station_id = s.id)::int AS "auditEntries",
        (SELECT count(*) FROM evidock.rows r WHERE r.station_id = s.id)::int AS rows,
        (SELECT count(*) FROM evidock.checkpoints c WHERE c.station_id = s.id)::int AS checkpoints
      FROM evidock.stations s ORDER BY s.name`);
    return r.rows;
  }

  /**
   * One sender per station at a time (the daemon's worker and a `catalog-sync` could otherwise
   * interleave, and an older read of a row could land after a newer one). Waits for the other;
   * released by unlockStation or when the connection ends.
   */
  async lockStation(stationId: number): Promise<void> {
    await this.#client.query('SELECT pg_advisory_lock(7412, $1)', [stationId]);
  }

  async unlockStation(stationId: number): Promise<void> {
    await this.#client.query('SELECT pg_advisory_unlock(7412, $1)', [stationId]);
  }

  /** The highest seq the catalog holds for a station (0: none). */
  async auditHead(stationId: number): Promise<number> {
    const r = await this.#client.query<{ seq: number | null }>('SELECT max(seq) AS seq FROM evidock.audit_log WHERE station_id = $1', [stationId]);
    return r.rows[0]?.seq ?? 0;
  }

  /** A station's chain in seq order, exactly as stored. */
  async auditRows(stationId: number): Promise<RawAudit[]> {
    const r = await this.#client.query<RawAudit>(`SELECT seq, at, actor, event, payload, os_user, prev_hash, hash
      FROM evidock.audit_log WHERE station_id = $1 ORDER BY seq`, [stationId]);
    return r.rows;
  }

  async checkpoints(stationId: number): Promise<CheckpointRecord[]> {
    const r = await this.#client.query<CheckpointRecord>(`SELECT seq, at, body, signature FROM evidock.checkpoints
      WHERE station_id = $1 ORDER BY seq, at`, [stationId]);
    return r.rows;
  }

  /** Every mirrored row of a station (table name and the row as the station has it). */
  async stationRows(stationId: number): Promise<{ tbl: string; rid: string; data: Record<string, unknown> }[]> {
    const r = await this.#client.query<{ tbl: string; rid: string; data: Record<string, unknown> }>(
      'SELECT tbl, rid, data FROM evidock.rows WHERE station_id = $1 ORDER BY tbl, rid', [stationId]);
    return r.rows;
  }
}
