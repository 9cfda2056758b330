// Typed errors of the object store. Callers branch on `code`, never on message text.

/** The source file (on the camera) is unusable: the ingest of this file failed, the store is unchanged. */
export type SourceErrorCode =
  | 'not-regular' // symlink, FIFO, device, directory: never opened for reading
  | 'changed' // size / mtime / inode moved while we copied, or bytes read ≠ size
  | 'vanished' // ENOENT: the file is gone (deleted, or the volume remounted)
  | 'unreadable' // EACCES / EPERM
  | 'io'; // EIO / ENOTCONN / ENODEV / ENXIO: typically the camera was pulled

export class SourceError extends Error {
  override readonly name = 'SourceError';
  constructor(
    readonly code: SourceErrorCode,
    readonly srcPath: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${srcPath}: ${message}`, options);
  }
}

/** The store side failed. 'verify-mismatch' and 'existing-mismatch' are integrity problems (exit 3). */
export type StoreErrorCode =
  | 'verify-mismatch' // re-read of the fsynced temp file hashed differently from the copy pass
  | 'existing-mismatch' // an object with this hash exists but its size differs: the store is damaged
  | 'bad-hash' // not 64 lowercase hex digits
  | 'no-space' // ENOSPC / EDQUOT while writing
  | 'io'; // any other failure on the store's own disk

const INTEGRITY: ReadonlySet<StoreErrorCode> = new Set(['verify-mismatch', 'existing-mismatch']);

export class StoreError extends Error {
  override readonly name = 'StoreError';
  /** src/cli/exit.ts: 3 for integrity problems, 1 otherwise. */
  readonly exitCode: number;
  constructor(readonly code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.exitCode = INTEGRITY.has(code) ? 3 : 1;
  }
}

/** Thrown when the caller's AbortSignal fires; `cause` is the signal's reason. */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';
  constructor(options?: { cause?: unknown }) {
    super('operation aborted', options);
  }
}

export function errnoOf(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

const DEVICE_GONE = new Set(['EIO', 'ENOTCONN', 'ENODEV', 'ENXIO', 'ESHUTDOWN', 'ESTALE']);

/** Map an error raised while opening/reading the source to a SourceError. */
export function sourceErrorFrom(err: unknown, srcPath: string): Error {
  if (err instanceof SourceError || err instanceof AbortError) return err;
  const code = errnoOf(err);
  if (code === 'ENOENT') return new SourceError('vanished', srcPath, 'source file vanished', { cause: err });
  // O_NOFOLLOW on a path swapped for a symlink after our lstat.
  if (code === 'ELOOP') return new SourceError('not-regular', srcPath, 'source is a symlink', { cause: err });
  if (code === 'EACCES' || code === 'EPERM')
    return new SourceError('unreadable', srcPath, 'permission denied', { cause: err });
  if (code !== undefined && DEVICE_GONE.has(code))
    return new SourceError('io', srcPath, `read failed (${code}); device removed?`, { cause: err });
  return new SourceError('io', srcPath, `read failed (${code ?? String(err)})`, { cause: err });
}

/** Map an error raised on the store's own disk to a StoreError. */
export function storeErrorFrom(err: unknown, what: string): Error {
  if (err instanceof StoreError || err instanceof AbortError) return err;
  const code = errnoOf(err);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new StoreError('no-space', `${what}: no space left on the store disk`, { cause: err });
  return new StoreError('io', `${what}: ${code ?? String(err)}`, { cause: err });
}
