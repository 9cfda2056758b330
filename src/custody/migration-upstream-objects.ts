// Migration 12 (issue 14, art. 14(1)): the durable queue of objects going to the backend server's
// bucket, and what the bucket holds for each object (version, lock, legal hold, local copy pruned).

export const UPSTREAM_OBJECTS_SQL = `
-- Work still to do upstream. kind 'put': send the object; 'lock': bring the bucket's retain-until /
-- legal hold up to the retention floor. One row per object and kind: re-enqueueing adds nothing.
CREATE TABLE upstream_queue (
  id          INTEGER PRIMARY KEY,
  sha256      TEXT NOT NULL CHECK (length(sha256) = 64),
  kind        TEXT NOT NULL CHECK (kind IN ('put', 'lock')),
  size        INTEGER NOT NULL CHECK (size >= 0),
  enqueued_at TEXT NOT NULL,           -- a put: when the object was stored (the 24 h rule counts from it)
  attempts    INTEGER NOT NULL DEFAULT 0,
  next_at     TEXT NOT NULL,           -- not tried before this (backoff)
  last_error  TEXT,
  failed      INTEGER NOT NULL DEFAULT 0 CHECK (failed IN (0, 1)),  -- retries exhausted: waits for 'upstream sync --retry'
  UNIQUE (sha256, kind)
);
CREATE INDEX upstream_queue_due ON upstream_queue(failed, next_at);

-- What the bucket holds (one row per object once it is upstream, checked).
CREATE TABLE upstream_objects (
  sha256       TEXT PRIMARY KEY CHECK (length(sha256) = 64),
  size         INTEGER NOT NULL,
  bucket       TEXT NOT NULL,
  version_id   TEXT,
  md5          TEXT NOT NULL,          -- the server's checksum (ETag of a single-part put)
  retain_until TEXT NOT NULL,          -- COMPLIANCE retain-until the bucket holds
  legal_hold   INTEGER NOT NULL CHECK (legal_hold IN (0, 1)),
  stored_at    TEXT NOT NULL,
  locked_at    TEXT NOT NULL,          -- last time the lock was set or confirmed
  pruned_at    TEXT                    -- the local copy was dropped: the object lives in the bucket only
);
`;
