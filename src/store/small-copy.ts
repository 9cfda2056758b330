// Small files in one round trip (issue 8: 10 000 files of 64 KiB). On the async path a small file
// costs some fifteen thread-pool round trips (lstat, open, fstat, read ×2, write, fstat, lstat,
// close ×2, link, unlink, …), each waking a thread; on a 2-vCPU VM those wake-ups, not the bytes,
// were most of the CPU. Here a worker thread does the same steps with plain syscalls and answers
// once: the source checks (regular file, same inode from lstat to the end, size and mtime
// unchanged, read to EOF), the 0444 temp, SHA-256 and fingerprint of the bytes read, and the link
// into the fan-out. Anything unusual (an object already there, no hard links) is handed back to
// the async path in object-store.ts, which handles it as for any file.
// A worker that dies fails no file: the file goes the async way (SmallCopyUnavailable).
import { Worker } from 'node:worker_threads';

/** Files up to this size go through a worker (one read buffer each). */
export const SMALL_FILE_MAX = 256 * 1024;
const WORKERS = 2;

// getBuiltinModule, not require: an eval worker's code is ESM when the parent runs with
// --input-type=module, where require does not exist.
const WORKER_SOURCE = `
const { parentPort } = process.getBuiltinModule('node:worker_threads');
const fs = process.getBuiltinModule('node:fs');
const crypto = process.getBuiltinModule('node:crypto');
const path = process.getBuiltinModule('node:path');
const C = fs.constants;
const MAX = ${SMALL_FILE_MAX};
const buf = Buffer.allocUnsafeSlow(MAX + 1);
const fail = (kind, err, what) => ({ kind, errno: err && err.code, message: String((err && err.message) || err), what });
function copy(m) {
  let st0;
  if (typeof m.src !== 'string') m.src = Buffer.from(m.src.buffer, m.src.byteOffset, m.src.byteLength); // raw name bytes
  try { st0 = fs.lstatSync(m.src); } catch (e) { return { err: fail('source', e) }; }
  if (!st0.isFile()) return { err: { kind: 'not-regular', message: 'not a regular file' } };
  if (st0.size > MAX) return { tooBig: true };
  let fd, tmp, r;
  try {
    try { fd = fs.openSync(m.src, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK); } catch (e) { return { err: fail('source', e) }; }
    let before;
    try { before = fs.fstatSync(fd); } catch (e) { return { err: fail('source', e) }; }
    if (!before.isFile()) return { err: { kind: 'not-regular', message: 'not a regular file' } };
    if (before.ino !== st0.ino || before.dev !== st0.dev) return { err: { kind: 'changed', message: 'replaced between lstat and open' } };
    if (before.size > MAX) return { tooBig: true };
    try { tmp = fs.openSync(m.tmp, C.O_RDWR | C.O_CREAT | C.O_EXCL | C.O_NOFOLLOW, 0o444); } catch (e) { return { err: fail('store', e, 'creating temp file') }; }
    let n = 0;
    try {
      for (;;) { // to EOF, not to the size taken: growth shows up as extra bytes
        const got = fs.readSync(fd, buf, n, buf.length - n, n);
        if (got === 0) break;
        n += got;
        if (n === buf.length) break; // more than MAX: it grew, reported as changed below
      }
    } catch (e) { return { err: fail('source', e) }; }
    try {
      let off = 0;
      while (off < n) off += fs.writeSync(tmp, buf, off, n - off, off);
      if (m.chmod) fs.fchmodSync(tmp, 0o444);
    } catch (e) { return { err: fail('store', e, 'writing temp file') }; }
    let after, st1;
    try { after = fs.fstatSync(fd); } catch (e) { return { err: fail('source', e) }; }
    if (after.size !== before.size || after.mtimeMs !== before.mtimeMs || after.ino !== before.ino || n !== before.size)
      return { err: { kind: 'changed', message: 'changed during copy (size ' + before.size + '\u2192' + after.size + ', read ' + n + ')' } };
    try { st1 = fs.lstatSync(m.src); } catch (e) { return { err: fail('source', e) }; }
    if (st1.ino !== before.ino || st1.dev !== before.dev) return { err: { kind: 'changed', message: 'replaced during copy' } };
    const bytes = buf.subarray(0, n);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    // fingerprint.ts: a file under 1 MiB is covered whole
    const fingerprint = crypto.createHash('sha256').update('evidock-fp1:' + n + ':').update(bytes).digest('hex');
    const head = new Uint8Array(n);
    head.set(bytes);
    r = { sha256, bytes: n, fingerprint, head, linked: false, madeDirs: [] };
  } finally {
    if (fd !== undefined) try { fs.closeSync(fd); } catch {}
    if (tmp !== undefined) try { fs.closeSync(tmp); } catch {}
  }
  const dest = path.join(m.objectsDir, r.sha256.slice(0, 2), r.sha256.slice(2, 4), r.sha256);
  try {
    try { fs.linkSync(m.tmp, dest); } catch (e) {
      if (e.code !== 'ENOENT') throw e;
      let parent = m.objectsDir;
      for (const part of [r.sha256.slice(0, 2), r.sha256.slice(2, 4)]) {
        const dir = path.join(parent, part);
        try { fs.mkdirSync(dir, { mode: 0o755 }); r.madeDirs.push(parent); } catch (e2) { if (e2.code !== 'EEXIST') throw e2; }
        parent = dir;
      }
      fs.linkSync(m.tmp, dest);
    }
    r.linked = true;
    try { fs.unlinkSync(m.tmp); } catch {}
  } catch { /* already there, no hard links, …: the async path decides */ }
  return { ok: r };
}
parentPort.on('message', (m) => {
  let out;
  try { out = copy(m); } catch (e) { out = { err: fail('store', e, 'copying') }; }
  parentPort.postMessage({ id: m.id, ...out }, out.ok ? [out.ok.head.buffer] : []);
});
`;

export interface SmallCopyJob {
  src: string | Buffer;
  tmp: string;
  objectsDir: string;
  /** fchmod 0444 after create (when the umask would take bits from the create mode). */
  chmod: boolean;
}

export type SmallCopyAnswer =
  | { ok: { sha256: string; bytes: number; fingerprint: string; head: Uint8Array; linked: boolean; madeDirs: string[] } }
  | { err: { kind: 'source' | 'store' | 'not-regular' | 'changed'; errno?: string; message: string; what?: string } }
  | { tooBig: true };

/** The worker died under this file: nothing was decided, the caller copies it the async way. */
export class SmallCopyUnavailable extends Error {
  override readonly name = 'SmallCopyUnavailable';
}

interface Pending { resolve: (a: SmallCopyAnswer) => void; reject: (e: Error) => void }
interface Slot { w: Worker; busy: Map<number, Pending> }

class SmallCopyPool {
  private readonly workers: Slot[] = [];
  private id = 1;

  copy(job: SmallCopyJob): Promise<SmallCopyAnswer> {
    // The least busy worker (each serves its queue in order): a read hung on one camera holds up
    // only what was already queued behind it, not every other camera's next files. A second
    // worker starts only when every one there is busy, and then takes this job.
    let slot = this.workers.reduce<Slot | undefined>((a, b) => (!a || b.busy.size < a.busy.size ? b : a), undefined);
    if (!slot || (slot.busy.size > 0 && this.workers.length < WORKERS)) this.workers.push(slot = this.spawn());
    const id = this.id++;
    return new Promise<SmallCopyAnswer>((resolve, reject) => {
      slot.busy.set(id, { resolve, reject });
      slot.w.ref(); // a job in flight keeps the process alive; an idle pool does not
      slot.w.postMessage({ id, ...job });
    });
  }

  private spawn(): Slot {
    // Small heaps: its bytes live outside the heap; a default-sized one cost ~10 MB of RSS each.
    const w = new Worker(WORKER_SOURCE, { eval: true, resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 32 } });
    const slot: Slot = { w, busy: new Map<number, Pending>() };
    w.on('message', (m: { id: number } & SmallCopyAnswer) => {
      const p = slot.busy.get(m.id);
      slot.busy.delete(m.id);
      if (slot.busy.size === 0) w.unref();
      const { id: _id, ...answer } = m;
      p?.resolve(answer as SmallCopyAnswer);
    });
    const died = (why: string) => {
      const i = this.workers.indexOf(slot);
      if (i < 0) return;
      this.workers.splice(i, 1); // the next job starts a fresh one
      for (const p of slot.busy.values()) p.reject(new SmallCopyUnavailable(`small-file worker died (${why})`));
      slot.busy.clear();
    };
    w.on('error', (err) => died(err.message));
    w.on('exit', (code) => died(`exit ${code}`));
    // Only after the listeners: adding the first 'message' listener re-refs the worker's port,
    // and an idle worker left referenced kept `evidock ingest` from ever exiting.
    w.unref();
    return slot;
  }
}

const pool = new SmallCopyPool();

/** Copy, hash, fingerprint and link one small file in a worker thread (see the top of this file). */
export function copySmallFile(job: SmallCopyJob): Promise<SmallCopyAnswer> {
  return pool.copy(job);
}
