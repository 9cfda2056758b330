// Content-addressed object store: <root>/sha256/<aa>/<bb>/<sha256>. The only code that writes objects.
// Write path (ARCHITECTURE §2.1, §2.2): one pass copy+hash into <root>/tmp → fsync → re-read + re-hash →
// chmod 0444 → link into place → fsync(dir). Any failure removes the temp and leaves no object.
import { hashFileOffThread } from './hash-worker.js';
import { constants as C, lstatSync, type Stats } from 'node:fs';
import { link, lstat, mkdir, open, readdir, rename, rm, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { copyAndHash, hashHandle, throwIfAborted, type CopyOptions } from './copy.js';
import { errnoOf, SourceError, sourceErrorFrom, StoreError, storeErrorFrom } from './errors.js';
import { cleanStaleTempsIn, tempName } from './temps.js';

export interface IngestResult {
  sha256: string;
  size: number;
  /** false when identical content was already stored (the new copy was discarded). */
  objectIsNew: boolean;
  /** Final object path. */
  path: string;
}

export type ObjectCheck = 'ok' | 'missing' | 'mismatch';

const HASH = /^[0-9a-f]{64}$/;
const HEX2 = /^[0-9a-f]{2}$/;
// Without O_NONBLOCK, opening a FIFO swapped in after our lstat would block forever.
const SRC_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK;
const TMP_FLAGS = C.O_RDWR | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
// Filesystems without hard links: fall back to rename (which may replace a racing identical copy).
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

export class ObjectStore {
  readonly objectsDir: string;
  readonly tmpDir: string;
  private layout: Promise<void> | undefined;

  /** @param root the store directory, `<dataDir>/store` (see forDataDir). */
  constructor(readonly root: string) {
    this.objectsDir = join(root, 'sha256');
    this.tmpDir = join(root, 'tmp');
  }

  static forDataDir(dataDir: string): ObjectStore {
    return new ObjectStore(join(dataDir, 'store'));
  }

  pathFor(sha256: string): string {
    if (!HASH.test(sha256)) throw new StoreError('bad-hash', `not a sha256 hex digest: ${JSON.stringify(sha256)}`);
    return join(this.objectsDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  has(sha256: string): boolean {
    try {
      return lstatSync(this.pathFor(sha256)).isFile();
    } catch (err) {
      if (errnoOf(err) === 'ENOENT') return false;
      throw err;
    }
  }

  /** Remove temps left by dead processes (e.g. a SIGKILLed ingest). Returns the number removed. */
  cleanStaleTemps(): number {
    return cleanStaleTempsIn(this.tmpDir);
  }

  async ingestFile(srcPath: string, opts: CopyOptions = {}): Promise<IngestResult> {
    throwIfAborted(opts.signal);
    await this.ensureLayout();
    this.cleanStaleTemps();

    // lstat first: a symlink, FIFO or device is refused without ever being opened.
    const st0 = await lstat(srcPath).catch((err: unknown) => {
      throw sourceErrorFrom(err, srcPath);
    });
    if (!st0.isFile()) throw new SourceError('not-regular', srcPath, 'not a regular file');

    const onSource = <T>(p: Promise<T>): Promise<T> =>
      p.catch((err: unknown) => {
        throw sourceErrorFrom(err, srcPath);
      });
    const onStore = <T>(p: Promise<T>, what: string): Promise<T> =>
      p.catch((err: unknown) => {
        throw storeErrorFrom(err, what);
      });

    const tmpPath = join(this.tmpDir, tempName());
    let src: FileHandle | undefined;
    let tmp: FileHandle | undefined;
    try {
      src = await onSource(open(srcPath, SRC_FLAGS));
      const before = await onSource(src.stat());
      if (!before.isFile()) throw new SourceError('not-regular', srcPath, 'not a regular file');
      if (before.ino !== st0.ino || before.dev !== st0.dev)
        throw new SourceError('changed', srcPath, 'replaced between lstat and open');

      tmp = await onStore(open(tmpPath, TMP_FLAGS, 0o600), 'creating temp file');
      const copied = await copyAndHash(src, tmp, srcPath, { ...opts, expectedSize: before.size });
      // Read-only before the fsync, so one fsync makes both data and mode durable.
      await onStore(tmp.chmod(0o444), 'chmod temp file');
      await onStore(tmp.sync(), 'fsync temp file');

      const after = await onSource(src.stat());
      if (statChanged(before, after) || copied.bytes !== before.size)
        throw new SourceError(
          'changed',
          srcPath,
          `changed during copy (size ${before.size}→${after.size}, read ${copied.bytes})`,
        );
      // The path must still name the file we read (not deleted or replaced meanwhile).
      const st1 = await onSource(lstat(srcPath));
      if (st1.ino !== before.ino || st1.dev !== before.dev)
        throw new SourceError('changed', srcPath, 'replaced during copy');
      await src.close();
      src = undefined;

      // Re-read what the disk gave back. (Served from the page cache; a later fixity scrub
      // re-reads from the medium. Node offers no fadvise/O_DIRECT with aligned buffers.)
      throwIfAborted(opts.signal);
      const again = await onStore(hashFileOffThread(tmpPath), 're-reading temp file');
      if (again.sha256 !== copied.sha256 || again.bytes !== copied.bytes)
        throw new StoreError('verify-mismatch', `${srcPath}: temp file re-read hashed ${again.sha256}, copy pass ${copied.sha256}`);
      await tmp.close();
      tmp = undefined;

      throwIfAborted(opts.signal);
      return await this.commit(tmpPath, copied.sha256, copied.bytes);
    } finally {
      await src?.close().catch(() => undefined);
      await tmp?.close().catch(() => undefined);
      // After a successful link the temp is a second name of the object; drop it either way.
      await rm(tmpPath, { force: true }).catch(() => undefined);
    }
  }

  /** Re-hash a stored object. An object that cannot be read (EIO) counts as a mismatch. */
  async verifyObject(sha256: string, expectedSize?: number, opts: { signal?: AbortSignal } = {}): Promise<ObjectCheck> {
    let fh: FileHandle;
    try {
      fh = await open(this.pathFor(sha256), SRC_FLAGS);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'ENOENT') return 'missing';
      if (code === 'ELOOP' || code === 'EIO') return 'mismatch';
      throw storeErrorFrom(err, `opening object ${sha256}`);
    }
    try {
      const st = await fh.stat();
      if (!st.isFile()) return 'mismatch';
      if (expectedSize !== undefined && st.size !== expectedSize) return 'mismatch';
      const got = await hashHandle(fh, opts.signal);
      return got.sha256 === sha256 ? 'ok' : 'mismatch';
    } catch (err) {
      if (errnoOf(err) === 'EIO') return 'mismatch';
      throw err;
    } finally {
      await fh.close().catch(() => undefined);
    }
  }

  /** Every object name in the fan-out, in sorted order. Stray names are skipped. */
  async *listObjectHashes(): AsyncGenerator<string> {
    for (const aa of await subdirs(this.objectsDir)) {
      if (!HEX2.test(aa)) continue;
      for (const bb of await subdirs(join(this.objectsDir, aa))) {
        if (!HEX2.test(bb)) continue;
        const entries = await readdirOrEmpty(join(this.objectsDir, aa, bb));
        for (const e of entries) {
          if (e.isFile() && HASH.test(e.name) && e.name.startsWith(aa + bb)) yield e.name;
        }
      }
    }
  }

  async usage(): Promise<{ objects: number; bytes: number }> {
    let objects = 0;
    let bytes = 0;
    for await (const h of this.listObjectHashes()) {
      try {
        bytes += (await lstat(this.pathFor(h))).size;
        objects++;
      } catch (err) {
        if (errnoOf(err) !== 'ENOENT') throw err;
      }
    }
    return { objects, bytes };
  }

  private async commit(tmpPath: string, sha256: string, size: number): Promise<IngestResult> {
    const path = this.pathFor(sha256);
    const existing = await lstatOrUndefined(path);
    if (existing) return this.deduplicated(existing, sha256, size, path);

    await this.mkdirFanout(sha256);
    try {
      // link, not rename: it refuses to replace an object a concurrent ingest put there first.
      await link(tmpPath, path);
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'EEXIST') {
        const raced = await lstatOrUndefined(path);
        if (raced) return this.deduplicated(raced, sha256, size, path);
      }
      if (code === undefined || !NO_LINK.has(code)) throw storeErrorFrom(err, `storing object ${sha256}`);
      await rename(tmpPath, path).catch((e: unknown) => {
        throw storeErrorFrom(e, `storing object ${sha256}`);
      });
    }
    await fsyncDir(dirname(path));
    return { sha256, size, objectIsNew: true, path };
  }

  private deduplicated(st: Stats, sha256: string, size: number, path: string): IngestResult {
    if (!st.isFile() || st.size !== size)
      throw new StoreError('existing-mismatch', `object ${sha256} exists with size ${st.size}, expected ${size}: store damaged`);
    return { sha256, size, objectIsNew: false, path };
  }

  /** mkdir <aa> and <aa>/<bb>; fsync the parent of each directory we create. */
  private async mkdirFanout(sha256: string): Promise<void> {
    let parent = this.objectsDir;
    for (const part of [sha256.slice(0, 2), sha256.slice(2, 4)]) {
      const dir = join(parent, part);
      try {
        await mkdir(dir, { mode: 0o755 });
        await fsyncDir(parent);
      } catch (err) {
        if (errnoOf(err) !== 'EEXIST') throw storeErrorFrom(err, `creating ${dir}`);
      }
      parent = dir;
    }
  }

  private ensureLayout(): Promise<void> {
    this.layout ??= (async () => {
      for (const dir of [this.root, this.objectsDir, this.tmpDir]) {
        const created = await mkdir(dir, { recursive: true, mode: 0o755 });
        if (created !== undefined) await fsyncDir(dirname(dir));
      }
    })().catch((err: unknown) => {
      this.layout = undefined; // let the next call retry (e.g. after the disk is remounted)
      throw storeErrorFrom(err, `creating store layout under ${this.root}`);
    });
    return this.layout;
  }
}

function statChanged(a: Stats, b: Stats): boolean {
  return a.size !== b.size || a.mtimeMs !== b.mtimeMs || a.ino !== b.ino;
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, C.O_RDONLY | C.O_DIRECTORY).catch((err: unknown) => {
    throw storeErrorFrom(err, `opening ${dir}`);
  });
  try {
    await fh.sync();
  } catch (err) {
    throw storeErrorFrom(err, `fsync ${dir}`);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

async function lstatOrUndefined(path: string): Promise<Stats | undefined> {
  try {
    return await lstat(path);
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return undefined;
    throw storeErrorFrom(err, `lstat ${path}`);
  }
}

async function readdirOrEmpty(dir: string) {
  try {
    return (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (err) {
    if (errnoOf(err) === 'ENOENT') return [];
    throw err;
  }
}

async function subdirs(dir: string): Promise<string[]> {
  return (await readdirOrEmpty(dir)).filter((e) => e.isDirectory()).map((e) => e.name);
}
