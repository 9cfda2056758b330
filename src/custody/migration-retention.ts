// Migration 8 (art. 2, 14(2); invariant 5): retention classes, cases with procedure stages and
// their written records, holds, the grace period, tombstones, disc archive records, and the one
// path by which a recording (and its object row) may be deleted.

export const RETENTION_SQL = `
-- Category and importance beside the recording (a missing row: the configured default category).
CREATE TABLE retention_class (
  recording_id INTEGER PRIMARY KEY,
  category     TEXT NOT NULL CHECK (category IN ('routine', 'case', 'major', 'other')),
  importance   INTEGER NOT NULL DEFAULT 0 CHECK (importance BETWEEN 0 AND 5),  -- 0: 普通, 1..5: 级重要
  keep_until   TEXT,             -- 'other': the length decided for this recording
  set_at       TEXT NOT NULL,
  set_by       TEXT NOT NULL
);

CREATE TABLE cases (
  no         TEXT PRIMARY KEY,
  title      TEXT NOT NULL,
  opened_at  TEXT NOT NULL,
  opened_by  TEXT NOT NULL,
  closed_at  TEXT,                -- NULL while open (also after a reopen)
  closed_by  TEXT
);

-- No foreign key to recordings: a link outlives a purge, so the case file shows the tombstone.
CREATE TABLE case_links (
  case_no      TEXT NOT NULL REFERENCES cases(no),
  recording_id INTEGER NOT NULL,
  stage        TEXT NOT NULL,
  linked_at    TEXT NOT NULL,
  linked_by    TEXT NOT NULL,
  PRIMARY KEY (case_no, recording_id, stage)
);
CREATE INDEX case_links_recording ON case_links(recording_id);

CREATE TABLE case_documents (
  id        INTEGER PRIMARY KEY,
  case_no   TEXT NOT NULL REFERENCES cases(no),
  stage     TEXT NOT NULL,
  title     TEXT,
  file_name TEXT NOT NULL,
  sha256    TEXT NOT NULL REFERENCES objects(sha256),
  size      INTEGER NOT NULL,
  added_at  TEXT NOT NULL,
  added_by  TEXT NOT NULL
);
CREATE INDEX case_documents_sha256 ON case_documents(sha256);
CREATE TRIGGER case_documents_no_update BEFORE UPDATE ON case_documents
BEGIN SELECT RAISE(ABORT, 'case documents are immutable'); END;
CREATE TRIGGER case_documents_no_delete BEFORE DELETE ON case_documents
BEGIN SELECT RAISE(ABORT, 'case documents are kept with the case'); END;

CREATE TABLE holds (
  id             INTEGER PRIMARY KEY,
  reason         TEXT NOT NULL,
  case_no        TEXT REFERENCES cases(no),  -- a case hold covers whatever the case links, now and later
  created_at     TEXT NOT NULL,
  created_by     TEXT NOT NULL,
  released_at    TEXT,
  released_by    TEXT,
  release_reason TEXT
);
CREATE TABLE hold_items (
  hold_id      INTEGER NOT NULL REFERENCES holds(id),
  recording_id INTEGER NOT NULL,
  PRIMARY KEY (hold_id, recording_id)
);
CREATE INDEX hold_items_recording ON hold_items(recording_id);

-- Due recordings wait here for retention.graceDays before they are purged (retention restore undoes it).
CREATE TABLE retention_grace (
  recording_id INTEGER PRIMARY KEY,
  graced_at    TEXT NOT NULL,
  purge_after  TEXT NOT NULL,
  rule         TEXT NOT NULL,
  keep_until   TEXT NOT NULL
);

-- What is left of a purged recording. Append-only, like the audit entry it mirrors.
CREATE TABLE tombstones (
  recording_id   INTEGER PRIMARY KEY,
  sha256         TEXT NOT NULL,
  size           INTEGER NOT NULL,
  device_serial  TEXT NOT NULL,
  badge          TEXT,
  source_path    TEXT NOT NULL,
  recorded_start TEXT NOT NULL,
  category       TEXT NOT NULL,
  rule           TEXT NOT NULL,
  keep_until     TEXT NOT NULL,
  purged_at      TEXT NOT NULL,
  actor          TEXT NOT NULL,
  audit_seq      INTEGER NOT NULL,
  object_removed INTEGER NOT NULL CHECK (object_removed IN (0, 1))
);
CREATE TRIGGER tombstones_no_update BEFORE UPDATE ON tombstones
BEGIN SELECT RAISE(ABORT, 'tombstones are append-only'); END;
CREATE TRIGGER tombstones_no_delete BEFORE DELETE ON tombstones
BEGIN SELECT RAISE(ABORT, 'tombstones are append-only'); END;

-- The one door for deletion: the retention repository writes this row, deletes, and clears it,
-- all in one transaction. Anything else that deletes a recording or an object is refused.
CREATE TABLE purge_authorisation (
  id           INTEGER PRIMARY KEY CHECK (id = 1),
  recording_id INTEGER NOT NULL,
  sha256       TEXT               -- set only when the object row may go too
);
DROP TRIGGER recordings_no_delete;
CREATE TRIGGER recordings_no_delete BEFORE DELETE ON recordings
BEGIN
  SELECT RAISE(ABORT, 'recordings are deleted only by retention')
    WHERE NOT EXISTS (SELECT 1 FROM purge_authorisation WHERE recording_id = OLD.id);
  -- A tombstone must exist before the row may go: no purge without its trace.
  SELECT RAISE(ABORT, 'a purged recording needs its tombstone first')
    WHERE NOT EXISTS (SELECT 1 FROM tombstones WHERE recording_id = OLD.id);
END;
DROP TRIGGER objects_no_delete;
CREATE TRIGGER objects_no_delete BEFORE DELETE ON objects
WHEN NOT EXISTS (SELECT 1 FROM purge_authorisation WHERE sha256 = OLD.sha256)
BEGIN SELECT RAISE(ABORT, 'objects are deleted only by retention'); END;

-- Archive discs (刻录): built as images, then burned and verified.
CREATE TABLE discs (
  id           INTEGER PRIMARY KEY,
  label        TEXT NOT NULL UNIQUE,
  image_path   TEXT NOT NULL,
  image_sha256 TEXT NOT NULL,
  bytes        INTEGER NOT NULL,
  files        INTEGER NOT NULL,
  media        TEXT NOT NULL,
  built_at     TEXT NOT NULL,
  built_by     TEXT NOT NULL,
  burned_at    TEXT,
  burned_by    TEXT,
  drive        TEXT,
  verified_at  TEXT,              -- the burned disc read back and matched
  stored_where TEXT
);
CREATE TABLE disc_items (
  disc_id      INTEGER NOT NULL REFERENCES discs(id),
  recording_id INTEGER NOT NULL,
  sha256       TEXT NOT NULL,
  PRIMARY KEY (disc_id, recording_id)
);
CREATE INDEX disc_items_recording ON disc_items(recording_id);

-- Last run of each schedule, so a job missed while the station was off is caught up on start.
CREATE TABLE retention_runs (
  job     TEXT PRIMARY KEY,
  last_at TEXT NOT NULL
);
`;

// Migration 15: retention's jobs moved onto the one scheduler (schedule_runs, migration 10). The last
// runs already recorded carry over (status keeps showing them); their next run is set at the next
// start, so nothing is caught up twice. The table of the old mechanism goes.
export const RETENTION_ONE_SCHEDULER_SQL = `
INSERT OR IGNORE INTO schedule_runs (name, cron, last_run, last_result, next_run)
  SELECT CASE job WHEN 'retention.run' THEN 'retention-run' ELSE 'retention-digest' END, '', last_at, 'ok (recorded before the one scheduler)', NULL
  FROM retention_runs WHERE job IN ('retention.run', 'retention.digest');
DROP TABLE retention_runs;
`;
