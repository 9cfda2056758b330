// Content-addressed object store: <root>/sha256/<aa>/<bb>/<sha256>. The only code that writes objects.
// Write path (ARCHITECTURE §2.1, §2.2, issue 8): one pass copy+hash (+ fingerprint) into a 0444
// temp in <root>/tmp → link into place. No fsync per file and no re-read from the page cache: the
// caller makes a batch of objects durable together (makeDurable: one syncfs, or fdatasync each +
// fsync their directories) before the group commit names them, and a separate stage proves each
// from the disk (disk-proof.ts).
// An object file that is already there is re-hashed before it is trusted (an orphan of a crash
// between write and commit, or a rotted object): a bad one is replaced by the fresh copy.
// Any failure removes the temp and leaves no object.
import { constants as C, lstatSync, type PathLike } from 'node:fs';
import { link, lstat, mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { copyAndHash, hashHandle, throwIfAborted, type CopyOptions } from './copy.js';
import { errnoOf, SourceError, sourceErrorFrom, StoreError, storeErrorFrom } from './errors.js';
import { fingerprintHandle } from './fingerprint.js';
import { hashFileOffThread, HashWorkerDied } from './hash-worker.js';
import { SpaceGate } from './space.js';
import { StoreSync } from './store-sync.js';
import { copySmallFile, SmallCopyUnavailable, SMALL_FILE_MAX, type SmallCopyAnswer } from './small-copy.js';
import { cleanStaleTempsIn, tempName } from './temps.js';
import { existingAncestor, fsyncDir, lstatOrUndefined, statChanged, subdirs, readdirOrEmpty } from './fs-helpers.js';

export interface IngestResult {
  sha256: string;
  size: number;
  /** false when identical content was already stored (the new copy was discarded). */
  objectIsNew: boolean;
  /**
   * 'new': linked into place now; 'existing': an object file was there and re-hashed right;
   * 'replaced': an object file was there but hashed wrong (rot, or a crash's orphan) and the
   * fresh copy replaced it.
   */
  outcome: 'new' | 'existing' | 'replaced';
  /** Final object path. */
  path: string;
  /** Fingerprint of the copied bytes (fingerprint.ts), kept with the recording for the resume. */
  fingerprint: string;
  /** The first bytes copied (copy.ts HEAD_KEEP; all of a small file), for the metadata readers. */
  head: Buffer;
}

export interface IngestFileOptions extends CopyOptions {
  /** How to name the source in errors (its escaped path) when `srcPath` is raw bytes. */
  display?: string | undefined;
  /** The size the listing saw: a small file goes through one worker round trip (small-copy.ts). */
  sizeHint?: number | undefined;
}

export type ObjectCheck = 'ok' | 'missing' | 'mismatch';

const HASH = /^[0-9a-f]{64}$/;
const HEX2 = /^[0-9a-f]{2}$/;
// Without O_NONBLOCK, opening a FIFO swapped in after our lstat would block forever.
const SRC_FLAGS = C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK;
const TMP_FLAGS = C.O_RDWR | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW;
// Objects are read-only (0444). Created with that mode (the descriptor still writes), so no
// chmod per file, unless the umask would take bits away.
const OBJECT_MODE = 0o444;
const UMASK_KEEPS_MODE = (OBJECT_MODE & ~process.umask()) === OBJECT_MODE;
// Filesystems without hard links: fall back to rename (which may replace a racing identical copy).
const NO_LINK = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'EMLINK', 'ENOSYS']);

export class ObjectStore {
  readonly objectsDir: string;
  readonly tmpDir: string;
  /** Free-space gate shared by every ingest writing to this store (space.ts). */
  readonly space: SpaceGate;
  private layout: Promise<void> | undefined;

  /** @param root the store directory, `<dataDir>/store` (see forDataDir). */
  constructor(readonly root: string) {
    this.objectsDir = join(root, 'sha256');
    this.tmpDir = join(root, 'tmp');
    this.space = new SpaceGate(() => this.layoutDone ? this.root : existingAncestor(this.root));
    this.fsSync = new StoreSync(this.objectsDir);
  }

  private layoutDone = false;
  private tempsCleanedAt = 0;
  /** Directories with a new fan-out entry not yet fsynced (makeDurable syncs them). */
  private readonly unsyncedParents = new Set<string>();
  /** One syncfs per batch when native-probes/build/store-sync is there (store-sync.ts). */
  private readonly fsSync: StoreSync;

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

  async ingestFile(srcPath: PathLike, opts: IngestFileOptions = {}): Promise<IngestResult> {
    throwIfAborted(opts.signal);
    await this.ensureLayout();
    // Temps of dead writers: checked now and then, not on every file (a readdir each).
    if (Date.now() - this.tempsCleanedAt > 10_000) { this.tempsCleanedAt = Date.now(); this.cleanStaleTemps(); }
    const name = opts.display ?? String(srcPath);
    if (opts.sizeHint !== undefined && opts.sizeHint <= SMALL_FILE_MAX && (typeof srcPath === 'string' || Buffer.isBuffer(srcPath))) {
      const small = await this.ingestSmall(srcPath as string | Buffer, name, opts);
      if (small) return small;
    }

    // lstat first: a symlink, FIFO or device is refused without ever being opened.
    const st0 = await lstat(srcPath).catch((err: unknown) => {
      throw sourceErrorFrom(err, name);
    });
    if (!st0.isFile()) throw new SourceError('not-regular', name, 'not a regular file');

    const onSource = <T>(p: Promise<T>): Promise<T> =>
      p.catch((err: unknown) => {
        throw sourceErrorFrom(err, name);
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
      if (!before.isFile()) throw new SourceError('not-regular', name, 'not a regular file');
      if (before.ino !== st0.ino || before.dev !== st0.dev)
        throw new SourceError('changed', name, 'replaced between lstat and open');

      tmp = await onStore(open(tmpPath, TMP_FLAGS, OBJECT_MODE), 'creating temp file');
      const copied = await copyAndHash(src, tmp, name, { ...opts, expectedSize: before.size });
      if (!UMASK_KEEPS_MODE) await onStore(tmp.chmod(OBJECT_MODE), 'chmod temp file');

      const after = await onSource(src.stat());
      if (statChanged(before, after) || copied.bytes !== before.size)
        throw new SourceError(
          'changed',
          name,
          `changed during copy (size ${before.size}→${after.size}, read ${copied.bytes})`,
        );
      // The path must still name the file we read (not deleted or replaced meanwhile).
      const st1 = await onSource(lstat(srcPath));
      if (st1.ino !== before.ino || st1.dev !== before.dev)
        throw new SourceError('changed', name, 'replaced during copy');
      await src.close();
      src = undefined;
      // Of the bytes just hashed, taken in the same pass (equal to the camera's: the source did not change).
      const fingerprint = copied.fingerprint ?? await onStore(fingerprintHandle(tmp, copied.bytes), 'reading temp file');
      await tmp.close();
      tmp = undefined;

      throwIfAborted(opts.signal);
      return { ...(await this.commit(tmpPath, copied.sha256, copied.bytes, opts.signal)), fingerprint, head: copied.head };
    } finally {
      await src?.close().catch(() => undefined);
      await tmp?.close().catch(() => undefined);
      // After a successful link the temp is a second name of the object; drop it either way.
      await unlink(tmpPath).catch(() => undefined);
    }
  }

  /** small-copy.ts's one round trip; undefined: copy it the async way (too big now, or no worker). */
  private async ingestSmall(srcPath: string | Buffer, name: string, opts: IngestFileOptions): Promise<IngestResult | undefined> {
    const tmpPath = join(this.tmpDir, tempName());
    let answer: SmallCopyAnswer;
    try {
      answer = await copySmallFile({ src: srcPath, tmp: tmpPath, objectsDir: this.objectsDir, chmod: !UMASK_KEEPS_MODE });
    } catch (err) {
      await unlink(tmpPath).catch(() => undefined);
      if (err instanceof SmallCopyUnavailable) return undefined;
      throw err;
    }
    if ('tooBig' in answer) return undefined;
    if ('err' in answer) {
      await unlink(tmpPath).catch(() => undefined);
      const e = answer.err;
      if (e.kind === 'not-regular' || e.kind === 'changed') throw new SourceError(e.kind, name, e.message);
      const cause = Object.assign(new Error(e.message), e.errno ? { code: e.errno } : {});
      throw e.kind === 'source' ? sourceErrorFrom(cause, name) : storeErrorFrom(cause, e.what ?? 'copying');
    }
    const ok = answer.ok;
    for (const d of ok.madeDirs) this.unsyncedParents.add(d);
    opts.onBytes?.(ok.bytes);
    const head = Buffer.from(ok.head.buffer, ok.head.byteOffset, ok.head.byteLength);
    if (ok.linked) {
      return { sha256: ok.sha256, size: ok.bytes, objectIsNew: true, outcome: 'new', path: this.pathFor(ok.sha256), fingerprint: ok.fingerprint, head };
    }
    try {
      throwIfAborted(opts.signal);
      return { ...(await this.commit(tmpPath, ok.sha256, ok.bytes, opts.signal)), fingerprint: ok.fingerprint, head };
    } finally {
      await unlink(tmpPath).catch(() => undefined);
    }
  }

  /**
   * Make objects durable before any database row names them: fdatasync each (on the thread
   * pool, all at once) and fsync each fan-out directory once. Throws StoreError on failure.
   */
  async makeDurable(paths: readonly string[]): Promise<void> {
    if (paths.length === 0) return;
    if (this.fsSync.available) {
      // One syncfs covers every object's data and every new directory entry of the batch.
      const parents = [...this.unsyncedParents];
      await this.fsSync.barrier();
      for (const d of parents) this.unsyncedParents.delete(d);
      return;
    }
    const unique = [...new Set(paths)];
    await Promise.all(unique.map(async (p) => {
      const fh = await open(p, C.O_RDONLY | C.O_NOFOLLOW).catch((err: unknown) => {
        throw storeErrorFrom(err, `opening object ${p}`);
      });
      try {
        await fh.datasync();
      } catch (err) {
        throw storeErrorFrom(err, `fdatasync object ${p}`);
      } finally {
        await fh.close().catch(() => undefined);
      }
    }));
    // Each object's directory, and the parent of every fan-out directory made since the last
    // sync (mkdirFanout no longer syncs on the copy path). A parent leaves the set only once its
    // fsync has returned, so a concurrent batch never skips one still in flight.
    const parents = [...this.unsyncedParents];
    const dirs = new Set<string>([...unique.map((p) => dirname(p)), ...parents]);
    await Promise.all([...dirs].map((d) => fsyncDir(d)));
    for (const d of parents) this.unsyncedParents.delete(d);
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
      throwIfAborted(opts.signal);
      // Off the main thread (a worker reads it again by path; the handle above pins the same file).
      const got = await hashFileOffThread(this.pathFor(sha256)).catch(async (err: unknown) => {
        if (err instanceof HashWorkerDied) return hashHandle(fh, opts.signal); // its job only: hash it here
        throw err;
      });
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

  private async commit(tmpPath: string, sha256: string, size: number, signal?: AbortSignal): Promise<Omit<IngestResult, 'fingerprint' | 'head'>> {
    const path = this.pathFor(sha256);
    try {
      // link, not rename: it refuses to replace an object already there (EEXIST), which is then
      // re-hashed before it is trusted. The fan-out directories are made only when missing.
      await link(tmpPath, path).catch(async (err: unknown) => {
        if (errnoOf(err) !== 'ENOENT') throw err;
        await this.mkdirFanout(sha256);
        await link(tmpPath, path);
      });
    } catch (err) {
      const code = errnoOf(err);
      if (code === 'EEXIST') return this.existing(tmpPath, sha256, size, path, signal);
      if (code === undefined || !NO_LINK.has(code)) throw storeErrorFrom(err, `storing object ${sha256}`);
      // No hard links here: rename would replace an object already there, so look first.
      if (await lstatOrUndefined(path)) return this.existing(tmpPath, sha256, size, path, signal);
      await this.mkdirFanout(sha256);
      await rename(tmpPath, path).catch((e: unknown) => {
        throw storeErrorFrom(e, `storing object ${sha256}`);
      });
    }
    return { sha256, size, objectIsNew: true, outcome: 'new', path };
  }

  /**
   * An object file with this name exists: trusted only after it re-hashes right now (issue 7
   * defect 7, issue 8 orphans). Otherwise the fresh, just-hashed copy replaces it.
   */
  private async existing(tmpPath: string, sha256: string, size: number, path: string, signal?: AbortSignal): Promise<Omit<IngestResult, 'fingerprint' | 'head'>> {
    const check = await this.verifyObject(sha256, size, { signal });
    if (check === 'ok') return { sha256, size, objectIsNew: false, outcome: 'existing', path };
    // rename replaces the bad file atomically (its read-only mode does not stop a rename).
    await this.mkdirFanout(sha256);
    await rename(tmpPath, path).catch((e: unknown) => {
      throw storeErrorFrom(e, `replacing damaged object ${sha256}`);
    });
    return { sha256, size, objectIsNew: false, outcome: 'replaced', path };
  }

  /**
   * mkdir <aa> and <aa>/<bb>. Not synced here (an fsync per new directory on the copy path
   * held up every small file): makeDurable syncs the parents of the new directories with the
   * batch, before any row names the object.
   */
  private async mkdirFanout(sha256: string): Promise<void> {
    let parent = this.objectsDir;
    for (const part of [sha256.slice(0, 2), sha256.slice(2, 4)]) {
      const dir = join(parent, part);
      try {
        await mkdir(dir, { mode: 0o755 });
        this.unsyncedParents.add(parent);
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
      this.layoutDone = true;
    })().catch((err: unknown) => {
      this.layout = undefined; // let the next call retry (e.g. after the disk is remounted)
      throw storeErrorFrom(err, `creating store layout under ${this.root}`);
    });
    return this.layout;
  }
}
