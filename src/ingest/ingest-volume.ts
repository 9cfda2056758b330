// The ingest service: one camera volume → durable objects + committed recordings.
// Order per file: resume check (fingerprint) → room on the store → copy+hash once (store) →
// probe → group commit, whose objects are made durable first (commit-batcher). A file counts as
// ingested only after the commit; the disk proof (proof-stage.ts) starts on the first committed
// batch and runs alongside the copy (at the lowest I/O priority), so "verified" follows "stored"
// closely instead of waiting for a whole second pass after it.
import path from 'node:path';
import fs from 'node:fs';
import type { Custody } from '../custody/index.js';
import { AbortError, type ObjectStore, type IngestResult, type Reservation } from '../store/index.js';
import { readMediaInfoFast, probeFallback, type MediaInfo } from '../media/index.js';
import { enumerateVolume, type VolumeFile } from '../profiles/enumerate.js';
import { parseFileName, mediaKindOf } from '../profiles/filename.js';
import { readIdentity, type CameraIdentity } from '../profiles/identity.js';
import { recordedTimes } from './recorded-time.js';
import type { Logger } from '../util/logger.js';
import type { IngestRequest, IngestSummary, IngestError } from './types.js';
import { CommitBatcher } from './commit-batcher.js';
import { volumeStillReadable } from './volume-health.js';
import { Semaphore } from '../util/mutex.js';
import { needsRaw } from '../util/raw-name.js';
import { alreadyInCustody } from './resume.js';
import { classifyFailure, codeOf } from './store-failure.js';
import { COPY_SLOTS } from './fair-share.js';
import { proveBacklog } from './proof-stage.js';

export interface IngestDeps { custody: Custody; store: ObjectStore; logger: Logger }

const PARALLEL_FILES = 6;
/** Files copied but not yet committed, at most (each holds a little memory until its group commits). */
const MAX_UNCOMMITTED = 1024;
const BIG_FILE = 16 << 20;
const BIG_AT_ONCE = 2;
const GIB = 1024 ** 3;
export const DEFAULT_MIN_FREE_GIB = 2;

/** Errors after which the rest of the volume cannot be read: the camera was pulled. */
const DEVICE_GONE = new Set(['io', 'device-gone']);
/** Errors that may be one bad file or a dying card: the volume is checked before going on. */
const SUSPECT = new Set(['unreadable', 'vanished', 'error']);

export async function ingestVolume(req: IngestRequest, deps: IngestDeps): Promise<IngestSummary> {
  const { custody, store, logger } = deps;
  const { root, profile } = req;
  store.cleanStaleTemps();
  custody.markInterruptedSessions();
  store.space.configure({ minFreeBytes: (req.config.storage?.minFreeGiB ?? DEFAULT_MIN_FREE_GIB) * GIB });

  const listing = req.listing ?? await enumerateVolume(root, profile);
  // The dock session has read the camera's identity already (its hints): no second read of the camera.
  const identity = req.identityResolved
    ? Object.fromEntries(Object.entries(req.hints ?? {}).filter(([, v]) => v !== undefined)) as CameraIdentity
    : await readIdentity(root, profile, req.hints);
  const firstName = listing.files[0] ? parseFileName(profile, path.basename(listing.files[0].rel), req.config.timezone) : {};
  const serial = identity.serial ?? firstName.serial ?? 'UNKNOWN';
  const badge = identity.badge ?? firstName.badge;
  const inRoster = req.config.devices.some((d) => d.serial === serial);
  custody.upsertDevice({ serial, profile: profile.name, model: identity.model, usbSerial: req.hints?.usbSerial, inRoster });
  const session = custody.startSession({ deviceSerial: serial, profile: profile.name, sourcePath: root, badge, usbSerial: req.hints?.usbSerial });
  const log = logger.child({ session, device: serial });
  const summary: IngestSummary = {
    session, device: serial, ...(badge ? { badge } : {}), profile: profile.name,
    files: listing.files.length + listing.problems.length, bytes: 0, stored: 0, duplicates: 0,
    alreadyRecorded: 0, failed: 0, status: 'complete', errors: [],
  };
  try {
    await run();
  } catch (err) {
    // Whatever throws, the session ends with a status (issue 7 defect 5).
    summary.status = 'interrupted';
    summary.errors.push({ path: '', code: 'error', message: `ingest stopped: ${(err as Error).message}` });
    log.error(`ingest stopped: ${(err as Error).stack ?? String(err)}`);
  }
  custody.endSession(session, {
    status: summary.status, files: summary.files, bytes: summary.bytes, stored: summary.stored,
    duplicates: summary.duplicates, failed: summary.failed, errors: summary.errors.map((e) => e.message),
  });
  log.info(`ingest ${summary.status}: ${summary.stored} stored, ${summary.duplicates} duplicate, `
    + `${summary.alreadyRecorded} already recorded, ${summary.failed} failed`);
  return summary;

  async function run(): Promise<void> {
    log.info(`ingest started: ${listing.files.length} files under ${root}`, { profile: profile.name });
    if (serial === 'UNKNOWN') {
      custody.raiseAlert({ kind: 'unknown-device', severity: 'warning', sessionId: session,
        message: `camera at ${root} has no identity; files ingested as device UNKNOWN` });
    }
    try {
      req.onSessionStart?.({ session, device: serial, ...(badge ? { badge } : {}) });
    } catch (err) {
      log.error(`recording the dock checks failed: ${(err as Error).message}`);
    }
    for (const p of listing.problems) fail({ path: p.rel, code: p.code, message: p.message });

    const bytesTotal = listing.files.reduce((s, f) => s + f.size, 0);
    let bytesDone = 0;
    let started = 0;
    let stop = false;
    let storeAlerted = false;
    // Large groups: each costs one durability barrier (a syncfs) and one WAL sync.
    const batcher = new CommitBatcher(custody, 256, 25, (paths) => store.makeDurable(paths));
    const commits: Promise<void>[] = []; // a worker moves on while its file waits for the group commit
    let uncommitted = 0; // ... but not too far: what waits for a commit holds memory
    let oneCommitted: (() => void)[] = []; // workers waiting for the count to drop
    const bigFile = new Semaphore(BIG_AT_ONCE);
    let proofWarned = false;
    // Prove committed objects while the copy goes on; a pass already running just goes round again.
    const proveSoon = () => {
      if (!req.proveAlongside) return;
      proveBacklog(deps, { signal: req.signal, whileIngesting: true }).catch((err: Error) => {
        if (proofWarned || req.signal?.aborted) return;
        proofWarned = true;
        try {
          log.warn(`disk proof alongside the copy stopped: ${err.message}; the backlog is proven after the ingest`);
        } catch { /* the caller has closed its logger */ }
      });
    };
    const progress = (file: string) => {
      try {
        req.onProgress?.({ file, index: started, total: listing.files.length, bytesDone, bytesTotal });
      } catch (err) {
        log.warn(`progress callback failed: ${(err as Error).message}`);
      }
    };
    const storeFailed = (file: VolumeFile, err: unknown, integrity: boolean) => {
      fail({ path: file.rel, code: integrity ? 'integrity' : codeOf(err), message: `${file.rel}: ${(err as Error).message}` });
      if (integrity) summary.integrityFailure = true;
      summary.status = 'interrupted';
      stop = true;
      if (storeAlerted) return; // one alert per session
      storeAlerted = true;
      custody.raiseAlert({ kind: integrity ? 'store-integrity' : 'store-failed', severity: 'critical', sessionId: session, deviceSerial: serial,
        message: `${integrity ? 'integrity failure' : 'the store failed'} while ingesting ${file.rel} from camera ${serial}: `
          + `${(err as Error).message}; session interrupted, camera left untouched` });
    };
    // Several small files in flight hide per-file latency (open, commit); big files go two at a time.
    // Big files and small ones go side by side: BIG_AT_ONCE workers start with the big files (disk-
    // bound) while the others take the small ones (per-file work), instead of one kind after the
    // other in name order. Each takes the other kind when its own runs out.
    const bigQueue = listing.files.filter((f) => f.size >= BIG_FILE);
    const smallQueue = listing.files.filter((f) => f.size < BIG_FILE);
    let nextBig = 0;
    let nextSmall = 0;
    const take = (bigFirst: boolean): VolumeFile | undefined => {
      if (bigFirst && nextBig < bigQueue.length) return bigQueue[nextBig++];
      if (nextSmall < smallQueue.length) return smallQueue[nextSmall++];
      return nextBig < bigQueue.length ? bigQueue[nextBig++] : undefined;
    };
    const worker = async (bigFirst: boolean) => {
      for (;;) {
        if (stop) return;
        if (req.signal?.aborted) { summary.status = 'interrupted'; stop = true; return; }
        const file = take(bigFirst);
        if (!file) return;
        started += 1;
        progress(file.rel);
        let recorded: boolean;
        try {
          recorded = await alreadyInCustody(custody, serial, file);
        } catch (err) {
          // Custody cannot be read: nothing can be committed either; the session stops interrupted.
          storeFailed(file, new Error(`custody unreadable: ${(err as Error).message}`, { cause: err }), false);
          return;
        }
        if (recorded) {
          summary.alreadyRecorded += 1;
          bytesDone += file.size;
          continue;
        }
        // Wait for a commit to land, not in a loop of flushes: files waiting for ffprobe are not
        // in the batcher yet, and a flush that resolves at once would spin and starve the probes.
        while (uncommitted >= MAX_UNCOMMITTED && !stop) {
          const landed = new Promise<void>((r) => oneCommitted.push(r));
          void batcher.flush();
          await landed;
        }
        const release = file.size >= BIG_FILE ? await bigFile.acquire() : undefined;
        try {
          for (;;) { // again after a pause for space: nothing of the failed attempt was kept
            if (stop) return;
            const room = await waitForRoom(file.size);
            try {
              await ingestOne(file, room);
              bytesDone += file.size;
              break;
            } catch (err) {
              const kind = classifyFailure(err);
              if (kind === 'no-space') { store.space.markFull(); log.warn(`${file.rel}: store full; will copy it again when there is room`); continue; }
              throw err;
            } finally {
              room.release();
            }
          }
        } catch (err) {
          const kind = classifyFailure(err);
          if (kind === 'aborted') { summary.status = 'interrupted'; stop = true; return; }
          if (kind === 'store' || kind === 'integrity') { storeFailed(file, err, kind === 'integrity'); return; }
          const code = codeOf(err);
          fail({ path: file.rel, code, message: `${file.rel}: ${(err as Error).message}` });
          if (DEVICE_GONE.has(code) || !fs.existsSync(root)
            || (SUSPECT.has(code) && !(await volumeStillReadable(root, req.device)))) {
            if (!stop) log.warn('camera volume unreadable: session interrupted; docking again resumes it');
            summary.status = 'interrupted';
            stop = true;
          }
        } finally {
          release?.();
        }
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_FILES }, (_, i) => worker(i < BIG_AT_ONCE)));
    await batcher.flush();
    await Promise.all(commits);
    progress('');

    function waitForRoom(need: number): Promise<Reservation> {
      return store.space.waitForRoom(need, {
        signal: req.signal,
        onPause: (free) => {
          custody.raiseAlert({ kind: 'store-full', severity: 'critical', sessionId: session, deviceSerial: serial,
            message: `store ${store.root} is full (${Math.round(free / 2 ** 20)} MiB free, minimum ${req.config.storage?.minFreeGiB ?? DEFAULT_MIN_FREE_GIB} GiB): `
              + 'ingest paused for every camera, cameras untouched; it resumes by itself when space is freed' });
          log.error('store full: ingest paused for every camera');
        },
        onResume: () => {
          custody.appendAudit('store.resumed', { store: store.root, sessionId: session });
          log.info('store has room again: ingest resumed');
        },
      });
    }

    async function ingestOne(file: VolumeFile, room: Reservation): Promise<void> {
      // A copy slot shared fairly with the other cameras docked now (fair-share.ts).
      const slot = await COPY_SLOTS.acquire(String(session), req.signal).catch((err: unknown) => {
        throw new AbortError({ cause: err });
      });
      let result: IngestResult;
      try {
        result = await store.ingestFile(file.absRaw, { signal: req.signal, display: file.abs, sizeHint: file.size, onBytes: (n) => room.written(n) });
      } finally {
        slot();
      }
      noteReplaced(file, result);
      // The closures below keep what the commit needs, never the head bytes (they would pin
      // memory for every file waiting for its group commit).
      const { head, ...put } = result;
      const kind = mediaKindOf(file.rel);
      const facts = parseFileName(profile, path.basename(file.rel), req.config.timezone);
      // Metadata is read in-process; a format only ffprobe understands is probed once, off the copy
      // path: the commit waits for it, the next copy does not. Probe the stored object, not the
      // camera: its bytes were hashed and cannot change under us.
      let mediaP: Promise<MediaInfo | undefined> = Promise.resolve(undefined);
      if (kind === 'video' || kind === 'audio' || (!facts.start && kind !== 'other')) {
        const opts = { subject: file.rel, kind, timezone: req.config.timezone, onWarning: (w: string) => log.warn(w) };
        const fast = await readMediaInfoFast(put.path, { ...opts, head: { bytes: head, size: put.size } });
        mediaP = fast.needsProbe
          ? probeFallback(put.path, opts).catch((err: Error) => {
            log.warn(`${file.rel}: ffprobe failed, duration unknown: ${err.message}`);
            return undefined;
          })
          : Promise.resolve(fast.info);
      }
      uncommitted += 1;
      commits.push(mediaP.then((media) => {
        const times = recordedTimes({ fromName: facts.start, creationTime: media?.creationTime, mtimeMs: file.mtimeMs, durationS: media?.durationS });
        return batcher.commit({
          sessionId: session, deviceSerial: serial, badge: facts.badge ?? badge, sourcePath: file.rel,
          sourcePathRaw: needsRaw(file.relRaw, file.rel) ? file.relRaw : null, fingerprint: put.fingerprint,
          size: put.size, mtimeMs: file.mtimeMs, sha256: put.sha256,
          recordedStart: times.start.toISOString(), recordedEnd: times.end?.toISOString(),
          durationS: media?.durationS, startSource: times.source, mediaKind: kind, clockOffsetS: offsetFor(times.start),
        }, put.path).then((res) => {
          if (res.duplicate) { summary.alreadyRecorded += 1; return; }
          summary.bytes += put.size;
          if (res.objectIsNew) summary.stored += 1; else summary.duplicates += 1;
          proveSoon();
        }, (err: Error) => {
          // Not durable or not committed: the store cannot be relied on; stop the session.
          storeFailed(file, new Error(`not committed: ${err.message}`, { cause: err }), false);
        });
      }).finally(() => {
        uncommitted -= 1;
        const waiting = oneCommitted;
        oneCommitted = [];
        for (const w of waiting) w();
      }));
    }
  }

  /** A stored object that hashed wrong was replaced by the fresh copy: audited, and alerted when custody knew it. */
  function noteReplaced(file: VolumeFile, put: IngestResult): void {
    if (put.outcome !== 'replaced') return;
    const known = custody.hasObject(put.sha256);
    custody.appendAudit(known ? 'object.repaired' : 'object.orphan.replaced', {
      sha256: put.sha256, size: put.size, sessionId: session, deviceSerial: serial, sourcePath: file.rel,
    });
    if (known) {
      custody.raiseAlert({ kind: 'object-repaired', severity: 'critical', sessionId: session, deviceSerial: serial,
        message: `stored object ${put.sha256} no longer matched its hash (rot on the store disk); replaced by the fresh copy of ${file.rel}` });
    } else {
      log.warn(`${file.rel}: object file ${put.sha256} without a custody row hashed wrong (left by a crash); replaced`);
    }
  }

  function fail(e: IngestError): void {
    summary.failed += 1;
    summary.errors.push(e);
    log.error(e.message, { path: e.path, code: e.code });
  }

  function offsetFor(start: Date): number | null | undefined {
    const w = req.correctionWindow;
    if (w && (start < w.from || start > w.to)) return null;
    return req.clockOffsetS;
  }
}
