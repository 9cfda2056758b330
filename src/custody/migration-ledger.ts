// Migration 11 (issue 10, art. 5, 6, 8, 16–18): the equipment ledger (台账). Devices with unit,
// purchase date, price and a lifecycle status; handovers (one holder at a time, full history);
// lifecycle events (fault, repair, loss, damage with liability, retirement). Both histories are
// append-only. `recording_ledger` holds, per recording, its clock-corrected times as integers and
// the holder at those times, kept current by triggers (a commit, a later clock correction, a
// handover entered afterwards, a purge): reports aggregate it in SQL instead of resolving a holder
// per recording at query time (which took 1.5 s for the all-time ledger at 1 000 000 recordings).

/** ISO-8601 text → ms since the epoch (0 for text SQLite cannot read: a commit must never fail here). */
const ms = (x: string) => `coalesce(CAST(round(unixepoch(${x}, 'subsec') * 1000) AS INTEGER), 0)`;
const offsetMs = (r: string) => `CAST(round(coalesce(${r}.clock_offset_s, 0) * 1000) AS INTEGER)`;

/** Same rule as correctedStartMs (src/compliance/rules.ts): the stored correction, else raw start − offset. */
export const startMsSql = (r: string) =>
  `(CASE WHEN ${r}.corrected_start IS NOT NULL THEN ${ms(`${r}.corrected_start`)} ELSE ${ms(`${r}.recorded_start`)} - ${offsetMs(r)} END)`;
/** Same rule as correctedEndMs: stored corrected end, else raw end − offset, else start + duration. */
const endMsSql = (r: string) => `(CASE WHEN ${r}.corrected_end IS NOT NULL THEN ${ms(`${r}.corrected_end`)}
  WHEN ${r}.recorded_end IS NOT NULL THEN ${ms(`${r}.recorded_end`)} - ${offsetMs(r)}
  ELSE ${startMsSql(r)} + CAST(round(coalesce(${r}.duration_s, 0) * 1000) AS INTEGER) END)`;

/** The holder of camera `serial` at `t` (ms): the latest handover at or before t; a tie goes to the later entry. */
export const holderAtSql = (serial: string, t: string) =>
  `(SELECT h.badge FROM handovers h WHERE h.serial = ${serial} AND h.at_ms <= ${t} ORDER BY h.at_ms DESC, h.id DESC LIMIT 1)`;

/** One recording_ledger row from a recordings row aliased `r` (NEW in a trigger). */
function ledgerRowSql(r: string, from = ''): string {
  return `SELECT t.recording_id, t.device_serial, t.reported, t.start_ms, t.end_ms, t.ingest_ms, t.dock_ms, t.bytes, t.session_id, t.media_kind,
    t.in_ledger, CASE WHEN t.in_ledger THEN ${holderAtSql('t.device_serial', 't.start_ms')} END,
    CASE WHEN t.in_ledger THEN ${holderAtSql('t.device_serial', 't.dock_ms')} END,
    CASE WHEN t.in_ledger THEN ${holderAtSql('t.device_serial', 't.start_ms')} ELSE t.reported END
  FROM (SELECT ${r}.id AS recording_id, ${r}.device_serial AS device_serial, ${r}.badge AS reported, ${startMsSql(r)} AS start_ms,
    ${endMsSql(r)} AS end_ms, ${ms(`${r}.ingested_at`)} AS ingest_ms,
    coalesce((SELECT ${ms('s.started_at')} FROM dock_sessions s WHERE s.id = ${r}.session_id), ${ms(`${r}.ingested_at`)}) AS dock_ms,
    ${r}.size AS bytes, ${r}.session_id AS session_id, ${r}.media_kind AS media_kind,
    EXISTS (SELECT 1 FROM ledger_devices d WHERE d.serial = ${r}.device_serial) AS in_ledger ${from}) AS t`;
}

const COLS = `recording_id, device_serial, reported, start_ms, end_ms, ingest_ms, dock_ms, bytes, session_id, media_kind, in_ledger, holder, dock_holder, officer`;

/** Recomputes the holders of one camera's rows from `fromMs` on (after a handover or a registration). */
const reattribute = (serial: string, fromMs: string) => `
  UPDATE recording_ledger SET in_ledger = 1,
    holder = ${holderAtSql('recording_ledger.device_serial', 'recording_ledger.start_ms')},
    dock_holder = ${holderAtSql('recording_ledger.device_serial', 'recording_ledger.dock_ms')},
    officer = ${holderAtSql('recording_ledger.device_serial', 'recording_ledger.start_ms')}
  WHERE device_serial = ${serial} AND (start_ms >= ${fromMs} OR dock_ms >= ${fromMs} OR in_ledger = 0);`;

/** Fills recording_ledger from recordings (the migration for an existing database; the benchmark's bulk load). */
export const REBUILD_RECORDING_LEDGER = `DELETE FROM recording_ledger; INSERT INTO recording_ledger (${COLS}) ${ledgerRowSql('r', 'FROM recordings r')};`;

// ——— per-day rollup (pre-aggregation for the all-time and whole-day reports) ———
// One row per (officer, camera, dock session, station day): files, bytes, recorded ms, late files
// and the worst delay, lending flags. Station day and lateness use ledger_meta's zone offset and
// deadline; a report asking for others rebuilds the rollup first (src/custody/ledger.ts).
const META = (col: string) => `(SELECT ${col} FROM ledger_meta WHERE id = 1)`;
const dayOf = (startMs: string) => `CAST((${startMs} + ${META('day_offset_ms')}) / 86400000 AS INTEGER)`;
const noHolder = (r: string) => `(${r}.in_ledger AND ${r}.holder IS NULL)`;
const mismatch = (r: string) => `(${r}.in_ledger AND ${r}.holder IS NOT NULL AND ${r}.reported IS NOT NULL AND ${r}.reported <> ${r}.holder AND ${r}.reported IS NOT ${r}.dock_holder)`;
const key = (r: string) => `coalesce(${r}.officer, ''), ${r}.device_serial, coalesce(${r}.session_id, 0), ${dayOf(`${r}.start_ms`)}`;
const keyMatch = (r: string) => `officer = coalesce(${r}.officer, '') AND device_serial = ${r}.device_serial AND session_id = coalesce(${r}.session_id, 0) AND day = ${dayOf(`${r}.start_ms`)}`;

const rollupAdd = (r: string) => `
  INSERT INTO recording_daily (officer, device_serial, session_id, day, files, bytes, ms, late, max_delay, no_holder, mismatch)
  SELECT ${key(r)}, 1, ${r}.bytes, max(${r}.end_ms - ${r}.start_ms, 0), (${r}.ingest_ms - ${r}.end_ms) > ${META('deadline_ms')},
    ${r}.ingest_ms - ${r}.end_ms, ${noHolder(r)}, ${mismatch(r)} WHERE 1
  ON CONFLICT (officer, device_serial, session_id, day) DO UPDATE SET files = files + 1, bytes = bytes + excluded.bytes, ms = ms + excluded.ms,
    late = late + excluded.late, max_delay = max(max_delay, excluded.max_delay), no_holder = no_holder + excluded.no_holder, mismatch = mismatch + excluded.mismatch;`;

// The worst delay cannot be subtracted: it is read again from the rows left under the key.
const rollupRemove = (r: string) => `
  UPDATE recording_daily SET files = files - 1, bytes = bytes - ${r}.bytes, ms = ms - max(${r}.end_ms - ${r}.start_ms, 0),
    late = late - ((${r}.ingest_ms - ${r}.end_ms) > ${META('deadline_ms')}), no_holder = no_holder - ${noHolder(r)}, mismatch = mismatch - ${mismatch(r)},
    max_delay = (SELECT max(x.ingest_ms - x.end_ms) FROM recording_ledger x WHERE x.device_serial = ${r}.device_serial
      AND x.start_ms >= ${dayOf(`${r}.start_ms`)} * 86400000 - ${META('day_offset_ms')} AND x.start_ms < (${dayOf(`${r}.start_ms`)} + 1) * 86400000 - ${META('day_offset_ms')}
      AND coalesce(x.officer, '') = coalesce(${r}.officer, '') AND coalesce(x.session_id, 0) = coalesce(${r}.session_id, 0))
  WHERE ${keyMatch(r)};
  DELETE FROM recording_daily WHERE ${keyMatch(r)} AND files <= 0;`;

/** Recomputes the whole rollup (after the zone offset or the deadline changed; the benchmark's bulk load). */
export const REBUILD_DAILY = `DELETE FROM recording_daily;
  INSERT INTO recording_daily (officer, device_serial, session_id, day, files, bytes, ms, late, max_delay, no_holder, mismatch)
  SELECT ${key('r')}, count(*), total(r.bytes), total(max(r.end_ms - r.start_ms, 0)), total((r.ingest_ms - r.end_ms) > ${META('deadline_ms')}),
    max(r.ingest_ms - r.end_ms), total(${noHolder('r')}), total(${mismatch('r')})
  FROM recording_ledger r GROUP BY 1, 2, 3, 4;`;

export const LEDGER_SQL = `
CREATE TABLE ledger_devices (
  serial        TEXT PRIMARY KEY,
  model         TEXT,
  unit_code     TEXT,
  purchase_date TEXT,                 -- YYYY-MM-DD
  price_cents   INTEGER CHECK (price_cents IS NULL OR price_cents >= 0),  -- original price, in fen
  status        TEXT NOT NULL DEFAULT 'inService'
                CHECK (status IN ('inService', 'faulty', 'inRepair', 'lost', 'damaged', 'retired')),
  source        TEXT NOT NULL CHECK (source IN ('roster', 'cli')),
  registered_at TEXT NOT NULL,
  registered_by TEXT NOT NULL
);

-- One holder at a time: the latest handover at or before a moment names it (NULL: returned).
-- at_ms 0: the holder the YAML roster names, held since before any recorded time.
CREATE TABLE handovers (
  id         INTEGER PRIMARY KEY,
  serial     TEXT NOT NULL REFERENCES ledger_devices(serial),
  badge      TEXT,
  at_ms      INTEGER NOT NULL,
  by_actor   TEXT NOT NULL,
  source     TEXT NOT NULL CHECK (source IN ('roster', 'cli')),
  entered_at TEXT NOT NULL,
  note       TEXT
);
CREATE INDEX handovers_serial_at ON handovers(serial, at_ms, id);

CREATE TABLE device_events (
  id           INTEGER PRIMARY KEY,
  serial       TEXT NOT NULL REFERENCES ledger_devices(serial),
  at           TEXT NOT NULL,
  kind         TEXT NOT NULL CHECK (kind IN ('registered', 'fault', 'repair-sent', 'repair-back', 'lost', 'damaged', 'retired')),
  from_status  TEXT,
  to_status    TEXT NOT NULL,
  by_actor     TEXT NOT NULL,        -- who reported or recorded it
  note         TEXT,
  liable       TEXT,                 -- badge liable for a loss or damage (art. 17)
  amount_cents INTEGER              -- the liability: the original price
);
CREATE INDEX device_events_serial ON device_events(serial, id);
CREATE INDEX device_events_at ON device_events(at);

CREATE TRIGGER handovers_no_update BEFORE UPDATE ON handovers BEGIN SELECT RAISE(ABORT, 'handovers are append-only'); END;
CREATE TRIGGER handovers_no_delete BEFORE DELETE ON handovers BEGIN SELECT RAISE(ABORT, 'handovers are append-only'); END;
CREATE TRIGGER device_events_no_update BEFORE UPDATE ON device_events BEGIN SELECT RAISE(ABORT, 'device events are append-only'); END;
CREATE TRIGGER device_events_no_delete BEFORE DELETE ON device_events BEGIN SELECT RAISE(ABORT, 'device events are append-only'); END;
CREATE TRIGGER ledger_devices_no_delete BEFORE DELETE ON ledger_devices BEGIN SELECT RAISE(ABORT, 'ledger devices are retired, never deleted'); END;

-- Derived, per recording (no evidence here: rebuilt from recordings and handovers at will).
-- officer: who a recording counts for — the holder for a ledger camera, else the badge it reported.
-- A station upgraded to this version: its roster's cameras and their holders enter the ledger now.
INSERT INTO ledger_devices (serial, model, unit_code, status, source, registered_at, registered_by)
  SELECT serial, model, NULL, 'inService', 'roster', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'system' FROM roster_devices WHERE active = 1;
INSERT INTO device_events (serial, at, kind, from_status, to_status, by_actor, note)
  SELECT serial, registered_at, 'registered', NULL, 'inService', 'system', 'from the roster (schema version 11)' FROM ledger_devices;
INSERT INTO handovers (serial, badge, at_ms, by_actor, source, entered_at, note)
  SELECT serial, badge, 0, 'system', 'roster', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'the YAML roster names this holder'
  FROM roster_devices WHERE active = 1 AND badge IS NOT NULL;

CREATE TABLE recording_ledger (
  recording_id INTEGER PRIMARY KEY,
  device_serial TEXT NOT NULL,
  reported     TEXT,                 -- badge the camera or file name reported (recordings.badge)
  start_ms     INTEGER NOT NULL,     -- clock-corrected
  end_ms       INTEGER NOT NULL,
  ingest_ms    INTEGER NOT NULL,
  dock_ms      INTEGER NOT NULL,     -- start of its dock session (else its ingest)
  bytes        INTEGER NOT NULL,
  session_id   INTEGER,
  media_kind   TEXT NOT NULL,
  in_ledger    INTEGER NOT NULL,
  holder       TEXT,                 -- holder at start_ms (ledger cameras)
  dock_holder  TEXT,                 -- holder when it was docked
  officer      TEXT
);
CREATE INDEX recording_ledger_device ON recording_ledger(device_serial, start_ms, end_ms, bytes, ingest_ms, session_id, in_ledger, holder, reported, dock_holder);
CREATE INDEX recording_ledger_officer ON recording_ledger(officer, start_ms, end_ms, ingest_ms, session_id, bytes);
CREATE INDEX recording_ledger_start ON recording_ledger(start_ms);

${REBUILD_RECORDING_LEDGER}

CREATE TABLE ledger_meta (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  day_offset_ms INTEGER NOT NULL,    -- the station's zone, east of UTC, that recording_daily's days are in
  deadline_ms   INTEGER NOT NULL     -- rules.uploadDeadlineHours that its late counts use
);
INSERT INTO ledger_meta (id, day_offset_ms, deadline_ms) VALUES (1, 28800000, 86400000);

CREATE TABLE recording_daily (
  officer       TEXT NOT NULL,       -- '' : none
  device_serial TEXT NOT NULL,
  session_id    INTEGER NOT NULL,    -- 0 : none
  day           INTEGER NOT NULL,    -- days since 1970-01-01 in the station's zone
  files         INTEGER NOT NULL,
  bytes         INTEGER NOT NULL,
  ms            INTEGER NOT NULL,
  late          INTEGER NOT NULL,
  max_delay     INTEGER,
  no_holder     INTEGER NOT NULL,
  mismatch      INTEGER NOT NULL,
  PRIMARY KEY (officer, device_serial, session_id, day)
) WITHOUT ROWID;
CREATE INDEX recording_daily_device ON recording_daily(device_serial, day, files, bytes, ms, no_holder, mismatch);
CREATE INDEX recording_daily_day ON recording_daily(day);
CREATE INDEX recording_daily_officer_day ON recording_daily(officer, day);
${REBUILD_DAILY}

CREATE TRIGGER recording_daily_add AFTER INSERT ON recording_ledger BEGIN ${rollupAdd('NEW')} END;
CREATE TRIGGER recording_daily_remove AFTER DELETE ON recording_ledger BEGIN ${rollupRemove('OLD')} END;
CREATE TRIGGER recording_daily_move AFTER UPDATE ON recording_ledger BEGIN ${rollupRemove('OLD')} ${rollupAdd('NEW')} END;

CREATE TRIGGER recording_ledger_add AFTER INSERT ON recordings BEGIN
  INSERT INTO recording_ledger (${COLS}) ${ledgerRowSql('NEW')};
END;
CREATE TRIGGER recording_ledger_times AFTER UPDATE OF corrected_start, corrected_end, clock_offset_s ON recordings BEGIN
  DELETE FROM recording_ledger WHERE recording_id = NEW.id;
  INSERT INTO recording_ledger (${COLS}) ${ledgerRowSql('NEW')};
END;
CREATE TRIGGER recording_ledger_purge AFTER DELETE ON recordings BEGIN
  DELETE FROM recording_ledger WHERE recording_id = OLD.id;
END;
CREATE TRIGGER recording_ledger_handover AFTER INSERT ON handovers BEGIN
  ${reattribute('NEW.serial', 'NEW.at_ms')}
END;
CREATE TRIGGER recording_ledger_register AFTER INSERT ON ledger_devices BEGIN
  ${reattribute('NEW.serial', '0')}
END;
`;
