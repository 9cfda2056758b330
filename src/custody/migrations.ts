// Versioned schema. PRAGMA user_version holds the last applied step; each step runs in its own
// BEGIN IMMEDIATE transaction and re-reads the version inside it, so two processes opening a
// fresh database at once apply every step exactly once. Later issues append steps; never edit
// a step that has shipped.
import type { Db } from './db.js';
import { RETENTION_ONE_SCHEDULER_SQL, RETENTION_SQL } from './migration-retention.js';
import { UPSTREAM_OBJECTS_SQL } from './migration-upstream-objects.js';
import { catalogSql } from './migration-catalog.js';
import { LEDGER_SQL } from './migration-ledger.js';

export interface Migration {
  version: number;
  name: string;
  /** A function when the step depends on what earlier steps made (e.g. one trigger per table). */
  sql: string | ((db: Db) => string);
}

const initial = `
CREATE TABLE units (
  code TEXT PRIMARY KEY,
  name TEXT NOT NULL
);

CREATE TABLE officers (
  badge     TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  os_user   TEXT UNIQUE,
  roles     TEXT NOT NULL DEFAULT '["officer"]',  -- JSON array
  unit_code TEXT REFERENCES units(code)
);

CREATE TABLE devices (
  id         INTEGER PRIMARY KEY,
  serial     TEXT NOT NULL UNIQUE,
  profile    TEXT NOT NULL,
  model      TEXT,
  usb_serial TEXT,
  first_seen TEXT NOT NULL,
  last_seen  TEXT NOT NULL,
  assigned   INTEGER NOT NULL DEFAULT 0 CHECK (assigned IN (0, 1))  -- 0: not in the roster
);

CREATE TABLE dock_sessions (
  id             INTEGER PRIMARY KEY,
  device_id      INTEGER NOT NULL REFERENCES devices(id),
  profile        TEXT NOT NULL,
  source_path    TEXT NOT NULL,
  badge          TEXT,
  started_at     TEXT NOT NULL,
  ended_at       TEXT,
  status         TEXT NOT NULL DEFAULT 'running'
                 CHECK (status IN ('running', 'complete', 'interrupted', 'failed')),
  owner_pid      INTEGER,           -- process that runs the session; see markInterruptedSessions
  owner_token    TEXT,              -- per-process random id, tells a reused pid from its predecessor
  files          INTEGER NOT NULL DEFAULT 0,
  bytes          INTEGER NOT NULL DEFAULT 0,
  stored         INTEGER NOT NULL DEFAULT 0,
  duplicates     INTEGER NOT NULL DEFAULT 0,
  failed         INTEGER NOT NULL DEFAULT 0,
  errors         TEXT,              -- JSON array of messages
  -- dock-time checks (art. 10), filled in by later issues:
  clock_offset_s REAL,
  battery_pct    REAL,
  storage_used   INTEGER,
  storage_free   INTEGER,
  usb_serial     TEXT,
  alerts         TEXT               -- JSON
);
CREATE INDEX dock_sessions_status ON dock_sessions(status);
CREATE INDEX dock_sessions_device ON dock_sessions(device_id);

CREATE TABLE objects (
  sha256      TEXT PRIMARY KEY CHECK (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*'),
  size        INTEGER NOT NULL CHECK (size >= 0),
  stored_at   TEXT NOT NULL,
  verified_at TEXT
);

CREATE TABLE recordings (
  id             INTEGER PRIMARY KEY,
  session_id     INTEGER REFERENCES dock_sessions(id),
  device_id      INTEGER NOT NULL REFERENCES devices(id),
  device_serial  TEXT NOT NULL,
  badge          TEXT,
  source_path    TEXT NOT NULL,
  size           INTEGER NOT NULL CHECK (size >= 0),
  mtime_ms       INTEGER NOT NULL,
  sha256         TEXT NOT NULL REFERENCES objects(sha256),
  recorded_start TEXT NOT NULL,     -- raw, on the camera's clock; a corrected time gets its own column
  recorded_end   TEXT,
  duration_s     REAL,
  start_source   TEXT NOT NULL CHECK (start_source IN ('filename', 'creation_time', 'mtime')),
  media_kind     TEXT NOT NULL CHECK (media_kind IN ('video', 'photo', 'audio', 'other')),
  ingested_at    TEXT NOT NULL,
  UNIQUE (device_serial, source_path, sha256)  -- re-ingesting the same file adds nothing
);
CREATE INDEX recordings_start ON recordings(recorded_start);
CREATE INDEX recordings_badge ON recordings(badge, recorded_start);
CREATE INDEX recordings_sha256 ON recordings(sha256);
CREATE INDEX recordings_session ON recordings(session_id);

CREATE TABLE audit_log (
  seq       INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  event     TEXT NOT NULL,
  payload   TEXT NOT NULL,          -- canonical JSON
  prev_hash TEXT NOT NULL,
  hash      TEXT NOT NULL UNIQUE
);

CREATE TABLE alerts (
  id            INTEGER PRIMARY KEY,
  at            TEXT NOT NULL,
  kind          TEXT NOT NULL,
  severity      TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'critical')),
  device_serial TEXT,
  session_id    INTEGER REFERENCES dock_sessions(id),
  message       TEXT NOT NULL,
  acked_at      TEXT,
  acked_by      TEXT
);
CREATE INDEX alerts_open ON alerts(acked_at);

-- Invariant 3: the audit log is append-only.
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;

-- Invariants 1/2/5: what a recording is never changes, and nothing custody recorded disappears.
-- Retention (art. 14(2)) will delete through an explicit, audited path added by its own
-- migration (e.g. a tombstone table the trigger consults); until then DELETE is refused outright.
CREATE TRIGGER recordings_identity_immutable BEFORE UPDATE ON recordings
WHEN NEW.sha256 IS NOT OLD.sha256 OR NEW.size IS NOT OLD.size
  OR NEW.source_path IS NOT OLD.source_path OR NEW.device_serial IS NOT OLD.device_serial
  OR NEW.recorded_start IS NOT OLD.recorded_start
BEGIN SELECT RAISE(ABORT, 'recordings identity columns are immutable'); END;
CREATE TRIGGER recordings_no_delete BEFORE DELETE ON recordings
BEGIN SELECT RAISE(ABORT, 'recordings are deleted only by retention'); END;

CREATE TRIGGER objects_identity_immutable BEFORE UPDATE ON objects
WHEN NEW.sha256 IS NOT OLD.sha256 OR NEW.size IS NOT OLD.size
BEGIN SELECT RAISE(ABORT, 'objects identity columns are immutable'); END;
CREATE TRIGGER objects_no_delete BEFORE DELETE ON objects
BEGIN SELECT RAISE(ABORT, 'objects are deleted only by retention'); END;
`;

// Dock-time clock checks (art. 10): what the camera's clock said, and each recording's start and
// end corrected by the offset measured at its dock. recorded_start/recorded_end stay as the
// camera gave them; a NULL correction means no offset could be measured.
const clockCorrection = `
ALTER TABLE recordings ADD COLUMN clock_offset_s REAL;    -- camera clock − workstation clock at the dock
ALTER TABLE recordings ADD COLUMN corrected_start TEXT;   -- recorded_start − clock_offset_s
ALTER TABLE recordings ADD COLUMN corrected_end TEXT;
CREATE INDEX recordings_corrected_start ON recordings(corrected_start);

ALTER TABLE dock_sessions ADD COLUMN clock_source TEXT;   -- how the offset was obtained (zfy, none, ...)
ALTER TABLE dock_sessions ADD COLUMN camera_time TEXT;    -- the camera's clock (or best evidence of it) at the dock
`;

// Ingest evidence (issue 7 defects 11 and 12, issue 8): a name's raw bytes when they are not UTF-8
// (source_path holds the escaped form, src/util/raw-name.ts); the fingerprint that lets a
// re-dock skip a file only when its content is the recorded one; the volume's st_dev is not kept
// (it changes per mount), the device row is what the resume compares.
const ingestEvidence = `
ALTER TABLE recordings ADD COLUMN source_path_raw BLOB;  -- NULL: source_path's UTF-8 is the exact name
ALTER TABLE recordings ADD COLUMN fingerprint TEXT;      -- sha256 over size, first and last MiB of the camera file
CREATE INDEX recordings_resume ON recordings(device_id, source_path, size, mtime_ms);
CREATE INDEX objects_unverified ON objects(verified_at) WHERE verified_at IS NULL;
`;

// A session's owner is a pid plus that process's start time (/proc/PID/stat field 22): the pid
// alone may belong to another process after a reboot or a wrap-around, which must not keep an
// abandoned session 'running'.
const ownerStart = `
ALTER TABLE dock_sessions ADD COLUMN owner_start TEXT;    -- start time (clock ticks since boot) of owner_pid
`;

// Invariants 1/3: everything that says what a recording is or where it came from is fixed at
// commit (session, device, path, size, mtime, hash, recorded and probed times, badge, kind,
// ingest time). The clock correction may legitimately change later (a better offset measured),
// but only through custody's correctRecordingTimes, which first appends a
// `recording.times.corrected` audit entry naming exactly the new values: the trigger lets the
// UPDATE through only when the newest audit entry is that one. An object's stored_at is fixed too.
export const CORRECTION_EVENT = 'recording.times.corrected';
const custodyLocks = `
DROP TRIGGER recordings_identity_immutable;
CREATE TRIGGER recordings_identity_immutable BEFORE UPDATE ON recordings
WHEN NEW.id IS NOT OLD.id OR NEW.session_id IS NOT OLD.session_id OR NEW.device_id IS NOT OLD.device_id
  OR NEW.device_serial IS NOT OLD.device_serial OR NEW.badge IS NOT OLD.badge
  OR NEW.source_path IS NOT OLD.source_path OR NEW.size IS NOT OLD.size OR NEW.mtime_ms IS NOT OLD.mtime_ms
  OR NEW.sha256 IS NOT OLD.sha256 OR NEW.recorded_start IS NOT OLD.recorded_start
  OR NEW.recorded_end IS NOT OLD.recorded_end OR NEW.duration_s IS NOT OLD.duration_s
  OR NEW.start_source IS NOT OLD.start_source OR NEW.media_kind IS NOT OLD.media_kind
  OR NEW.ingested_at IS NOT OLD.ingested_at
  OR NEW.source_path_raw IS NOT OLD.source_path_raw OR NEW.fingerprint IS NOT OLD.fingerprint
BEGIN SELECT RAISE(ABORT, 'recordings identity columns are immutable'); END;

CREATE TRIGGER recordings_correction_audited BEFORE UPDATE ON recordings
WHEN (NEW.clock_offset_s IS NOT OLD.clock_offset_s OR NEW.corrected_start IS NOT OLD.corrected_start
  OR NEW.corrected_end IS NOT OLD.corrected_end)
  AND NOT EXISTS (SELECT 1 FROM (SELECT event, payload FROM audit_log ORDER BY seq DESC LIMIT 1) AS head
    WHERE head.event = '${CORRECTION_EVENT}'
      AND json_extract(head.payload, '$.recordingId') = NEW.id
      AND json_extract(head.payload, '$.clockOffsetS') IS NEW.clock_offset_s
      AND json_extract(head.payload, '$.correctedStart') IS NEW.corrected_start
      AND json_extract(head.payload, '$.correctedEnd') IS NEW.corrected_end)
BEGIN SELECT RAISE(ABORT, 'recordings: corrected times change only through correctRecordingTimes (audited)'); END;

CREATE TRIGGER objects_stored_at_immutable BEFORE UPDATE ON objects
WHEN NEW.stored_at IS NOT OLD.stored_at
BEGIN SELECT RAISE(ABORT, 'objects identity columns are immutable'); END;
`;

// People in the chain of custody (issue 9): the OS user behind every audit entry, the roster
// (units with their parent, officers and roster devices) synced from the YAML; nothing in the
// roster is ever deleted, someone removed from the YAML becomes inactive.
const people = `
ALTER TABLE audit_log ADD COLUMN os_user TEXT;            -- NULL in entries written before version 6
ALTER TABLE units ADD COLUMN parent_code TEXT REFERENCES units(code);
ALTER TABLE units ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
ALTER TABLE officers ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
CREATE TABLE roster_devices (
  serial TEXT PRIMARY KEY,
  model  TEXT,
  badge  TEXT,                                            -- officer the camera is assigned to
  active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1))
);
`;

// Access approval (art. 15, ARCHITECTURE §2 invariant 4): requests to view or copy recordings, decided
// by someone other than the requester. 'expired' is never stored: it is an approved grant whose
// expires_at has passed. Decisions only move forward (pending → approved|rejected|revoked,
// approved → revoked|used); history is never deleted.
const accessRequests = `
CREATE TABLE access_requests (
  id            INTEGER PRIMARY KEY,
  requester     TEXT NOT NULL,        -- badge
  requester_os  TEXT,                 -- OS user who asked
  kind          TEXT NOT NULL CHECK (kind IN ('view', 'copy')),
  purpose       TEXT NOT NULL CHECK (length(purpose) > 0),
  case_no       TEXT,
  hours         REAL NOT NULL CHECK (hours > 0),   -- as requested; the approver may change it
  unit          TEXT NOT NULL,        -- unit the recordings belong to: whose head/admin decides
  status        TEXT NOT NULL DEFAULT 'pending'
                CHECK (status IN ('pending', 'approved', 'rejected', 'revoked', 'used')),
  requested_at  TEXT NOT NULL,
  decided_by    TEXT,
  decided_at    TEXT,
  reason        TEXT,                 -- rejection or revocation reason
  expires_at    TEXT,                 -- set on approval
  revoked_by    TEXT,
  revoked_at    TEXT,
  used_at       TEXT
);
CREATE INDEX access_requests_status ON access_requests(status);
CREATE INDEX access_requests_requester ON access_requests(requester);

CREATE TABLE access_request_recordings (
  request_id   INTEGER NOT NULL REFERENCES access_requests(id),
  recording_id INTEGER NOT NULL,      -- no FK: a purged recording must not erase the request's history
  PRIMARY KEY (request_id, recording_id)
) WITHOUT ROWID;

CREATE TRIGGER access_requests_no_delete BEFORE DELETE ON access_requests
BEGIN SELECT RAISE(ABORT, 'access requests are never deleted'); END;
CREATE TRIGGER access_request_recordings_immutable BEFORE UPDATE ON access_request_recordings
BEGIN SELECT RAISE(ABORT, 'the recordings of an access request never change'); END;
CREATE TRIGGER access_request_recordings_no_delete BEFORE DELETE ON access_request_recordings
BEGIN SELECT RAISE(ABORT, 'the recordings of an access request never change'); END;
CREATE TRIGGER access_requests_identity_immutable BEFORE UPDATE ON access_requests
WHEN NEW.requester IS NOT OLD.requester OR NEW.kind IS NOT OLD.kind OR NEW.purpose IS NOT OLD.purpose
  OR NEW.unit IS NOT OLD.unit OR NEW.requested_at IS NOT OLD.requested_at
BEGIN SELECT RAISE(ABORT, 'who asked for what is immutable'); END;
`;

// Compliance (issue 11): alerts deduplicated by kind and subject, with an acknowledgement note;
// interruptions (art. 9) with their explanation and review; alert deliveries per channel (retried
// after a restart); schedule runs (last/next, caught up once after a restart).

const compliance = `
ALTER TABLE alerts ADD COLUMN subject TEXT;               -- what the alert is about: a camera, a session, a gap…
ALTER TABLE alerts ADD COLUMN last_seen TEXT;             -- \`at\` is when it was first seen
ALTER TABLE alerts ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
ALTER TABLE alerts ADD COLUMN ack_note TEXT;
UPDATE alerts SET last_seen = at, subject = coalesce(device_serial, 'station');
CREATE INDEX alerts_kind_subject ON alerts(kind, subject);

CREATE TABLE gaps (
  id                 INTEGER PRIMARY KEY,
  device_serial      TEXT NOT NULL,
  badge              TEXT,
  before_recording   INTEGER NOT NULL REFERENCES recordings(id),
  after_recording    INTEGER NOT NULL REFERENCES recordings(id),
  gap_start          TEXT NOT NULL,
  gap_end            TEXT NOT NULL,
  gap_seconds        REAL NOT NULL,
  status             TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'explained', 'approved', 'rejected')),
  detected_at        TEXT NOT NULL,
  explanation        TEXT,              -- JSON {kind: voice|text, recording?, text?, attachment?}
  explained_by       TEXT,
  explained_at       TEXT,
  reviewed_by        TEXT,
  reviewed_at        TEXT,
  review_reason      TEXT,
  UNIQUE (before_recording, after_recording)
);
CREATE INDEX gaps_status ON gaps(status);

CREATE TABLE alert_deliveries (
  id         INTEGER PRIMARY KEY,
  alert_id   INTEGER NOT NULL REFERENCES alerts(id),
  channel    TEXT NOT NULL,                  -- the channel's key (type + target)
  payload    TEXT NOT NULL,                  -- the alert as delivered (JSON)
  status     TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
  attempts   INTEGER NOT NULL DEFAULT 0,
  next_try   TEXT NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  done_at    TEXT
);
CREATE INDEX alert_deliveries_pending ON alert_deliveries(status, next_try);

CREATE TABLE schedule_runs (
  name        TEXT PRIMARY KEY,
  cron        TEXT NOT NULL,
  last_run    TEXT,
  last_result TEXT,
  next_run    TEXT
);
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial custody schema', sql: initial },
  { version: 2, name: 'clock offset and corrected recording times', sql: clockCorrection },
  { version: 3, name: 'raw source names, resume fingerprints, disk-proof backlog', sql: ingestEvidence },
  { version: 4, name: 'recordings: every identity and provenance column immutable; corrections audited', sql: custodyLocks },
  { version: 5, name: 'session owner start time', sql: ownerStart },
  { version: 6, name: 'actors, OS users and the roster', sql: people },
  { version: 8, name: 'retention, cases, holds, tombstones and disc archive', sql: RETENTION_SQL },
  { version: 9, name: 'access requests and grants', sql: accessRequests },
  { version: 10, name: 'compliance: deduplicated alerts, interruptions, deliveries, schedules', sql: compliance },
  { version: 11, name: 'equipment ledger: devices, handovers, lifecycle events, recordings attributed to holders', sql: LEDGER_SQL },
  { version: 12, name: 'upstream: object queue and what the bucket holds', sql: UPSTREAM_OBJECTS_SQL },
  { version: 13, name: 'catalog: change capture, cursors and state for the central PostgreSQL catalog', sql: catalogSql },
  { version: 15, name: 'retention jobs on the one scheduler (retention_runs folded into schedule_runs)', sql: RETENTION_ONE_SCHEDULER_SQL },
];

export function schemaVersion(db: Db): number {
  return Number(db.pragma('user_version', { simple: true }));
}

/** Applies pending steps; returns the versions applied by this call. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const latest = migrations.reduce((m, s) => Math.max(m, s.version), 0);
  const current = schemaVersion(db);
  if (current > latest) {
    throw new Error(`custody.db is at schema version ${current}, newer than this evidock (${latest}); refusing to open`);
  }
  const applied: number[] = [];
  for (const step of [...migrations].sort((a, b) => a.version - b.version)) {
    if (step.version <= current) continue;
    const run = db.transaction(() => {
      if (schemaVersion(db) >= step.version) return false; // another process got there first
      db.exec(typeof step.sql === 'function' ? step.sql(db) : step.sql);
      db.pragma(`user_version = ${Math.trunc(step.version)}`);
      return true;
    });
    if (run.immediate()) applied.push(step.version);
  }
  return applied;
}
