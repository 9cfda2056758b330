// Every dock session ends with a status, whatever throws. The ingest may throw outside its
// per-file handling (a custody read, a progress callback): the session row would then stay
// 'running' under a live owner (the daemon) forever. The guard ends it as 'failed' with a
// critical alert naming the error, and aborts whatever the ingest still has in flight.
import type { Custody } from '../custody/index.js';
import type { Logger } from '../util/logger.js';
import type { IngestProgress } from '../ingest/types.js';
import { escapeControl } from '../util/escape.js';

export interface SessionGuard {
  /** Aborted when the caller's signal is, or when the session failed (stops the other file workers). */
  signal: AbortSignal;
  /** The caller's progress callback; a throw in it is logged, never allowed to end the ingest. */
  onProgress: ((p: IngestProgress) => void) | undefined;
  /** Tell the guard which session was opened. */
  started(session: number, device: string): void;
  /** After a throw: ends the session (if still running) as failed, alerts, aborts the rest. */
  failed(err: unknown): void;
}

export function sessionGuard(custody: Custody, logger: Logger,
  opts: { signal?: AbortSignal | undefined; onProgress?: ((p: IngestProgress) => void) | undefined }): SessionGuard {
  const abort = new AbortController();
  const signal = opts.signal ? AbortSignal.any([opts.signal, abort.signal]) : abort.signal;
  let session: number | undefined;
  let device = '';
  let progressWarned = false;
  const user = opts.onProgress;
  return {
    signal,
    onProgress: user && ((p) => {
      try {
        user(p);
      } catch (err) {
        if (!progressWarned) logger.warn(`progress display failed (the ingest goes on): ${(err as Error).message}`);
        progressWarned = true;
      }
    }),
    started(id, dev) { session = id; device = dev; },
    failed(err) {
      abort.abort();
      if (session === undefined) return;
      const message = escapeControl((err as Error)?.message ?? String(err));
      try {
        const row = custody.getSession(session);
        if (row?.status !== 'running') return;
        custody.endSession(session, {
          status: 'failed', files: row.files, bytes: row.bytes, stored: row.stored, duplicates: row.duplicates,
          failed: row.failed, errors: [...row.errors, `session failed: ${message}`],
        });
        custody.raiseAlert({ kind: 'session-failed', severity: 'critical', sessionId: session, deviceSerial: device || null,
          message: `dock session ${session} of camera ${escapeControl(device) || '?'} failed: ${message}; docking again resumes it` });
      } catch (e) {
        // The database itself failed: the next start marks the session interrupted (its owner is gone then).
        logger.error(`cannot end failed session ${session}: ${(e as Error).message}`);
      }
    },
  };
}
