// What a failed file means for the session (issue 7 defect 4). A camera-side error is that file's
// (or, if the camera went away, the session's); a store-side error stops the session: the store
// cannot be trusted to keep what it is given, so the session ends `interrupted` with a critical
// alert, and an integrity failure (a hash that does not match) makes the command exit 3.
// ENOSPC is neither: ingest pauses until there is room (space.ts) and the file is copied again.
import { SourceError, StoreError } from '../store/index.js';

export type FailureClass = 'aborted' | 'no-space' | 'store' | 'integrity' | 'source';

/** Pure: classify an error thrown while ingesting one file. */
export function classifyFailure(err: unknown): FailureClass {
  if ((err as Error)?.name === 'AbortError') return 'aborted';
  if (err instanceof StoreError) {
    if (err.code === 'no-space') return 'no-space';
    return err.exitCode === 3 ? 'integrity' : 'store';
  }
  if (err instanceof SourceError) return 'source';
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC' || code === 'EDQUOT') return 'no-space';
  return 'source';
}

/** The error code an ingest error is reported under. */
export function codeOf(err: unknown): string {
  if (err instanceof SourceError || err instanceof StoreError) return err.code;
  return (err as Error)?.name === 'AbortError' ? 'aborted' : 'error';
}
