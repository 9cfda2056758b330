// The ingest service: one camera volume → verified objects + committed recordings.
// Order per file: copy+hash (store) → re-read and compare (store) → probe → commit with its
// audit entry (custody). A file counts as ingested only after the commit.
import path from 'node:path';
import fs from 'node:fs';
import type { Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import { SourceError } from '../store/index.js';
import { readMediaInfo, type MediaInfo } from '../media/index.js';
import { enumerateVolume, type VolumeFile } from '../profiles/enumerate.js';
import { parseFileName, mediaKindOf } from '../profiles/filename.js';
import { readIdentity } from '../profiles/identity.js';
import { recordedTimes } from './recorded-time.js';
import type { Logger } from '../util/logger.js';
import type { IngestRequest, IngestSummary, IngestError } from './types.js';
import { CommitBatcher } from './commit-batcher.js';
import { volumeStillReadable } from './volume-health.js';
import { Semaphore } from '../util/mutex.js';

export interface IngestDeps { custody: Custody; store: ObjectStore; logger: Logger }

const PARALLEL_FILES = 6;
const BIG_FILE = 16 << 20;

/** Errors after which the rest of the volume cannot be read: the camera was pulled. */
const DEVICE_GONE = new Set(['io', 'device-gone']);
/** Errors that may be one bad file or a dying card: the volume is checked before going on. */
const SUSPECT = new Set(['unreadable', 'vanished', 'error']);

export async function ingestVolume(req: IngestRequest, deps: IngestDeps): Promise<IngestSummary> {
  const { custody, store, logger } = deps;
  const { root, profile } = req;
  store.cleanStaleTemps();
  custody.markInterruptedSessions();

  const listing = await enumerateVolume(root, profile);
  const identity = await readIdentity(root, profile, req.hints);
  const firstName = listing.files[0] ? parseFileName(profile, path.basename(listing.files[0].rel), req.config.timezone) : {};
  const serial = identity.serial ?? firstName.serial ?? 'UNKNOWN';
  const badge = identity.badge ?? firstName.badge;
  const inRoster = req.config.devices.some((d) => d.serial === serial);
  custody.upsertDevice({ serial, profile: profile.name, model: identity.model, usbSerial: req.hints?.usbSerial, inRoster });
  const session = custody.startSession({ deviceSerial: serial, profile: profile.name, sourcePath: root, badge, usbSerial: req.hints?.usbSerial });
  const log = logger.child({ session, device: serial });
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

  const summary: IngestSummary = {
    session, device: serial, ...(badge ? { badge } : {}), profile: profile.name,
    files: listing.files.length + listing.problems.length, bytes: 0, stored: 0, duplicates: 0,
    alreadyRecorded: 0, failed: 0, status: 'complete', errors: [],
  };
  const fail = (e: IngestError) => {
    summary.failed += 1;
    summary.errors.push(e);
    log.error(e.message, { path: e.path, code: e.code });
  };
  for (const p of listing.problems) fail({ path: p.rel, code: p.code, message: p.message });

  const bytesTotal = listing.files.reduce((s, f) => s + f.size, 0);
  let bytesDone = 0;
  let started = 0;
  let stop = false;
  const batcher = new CommitBatcher(custody);
  const commits: Promise<void>[] = []; // a worker moves on while its file waits for the group commit
  const bigFile = new Semaphore(2);
  // Several small files in flight hide per-file latency (open, fsync, commit); big files go
  // two at a time: one copying while the other's written copy is re-hashed on a worker thread.
  const worker = async () => {
    for (;;) {
      if (stop) return;
      if (req.signal?.aborted) { summary.status = 'interrupted'; stop = true; return; }
      const file = listing.files[started];
      if (!file) return;
      started += 1;
      req.onProgress?.({ file: file.rel, index: started, total: listing.files.length, bytesDone, bytesTotal });
      if (custody.hasRecording(serial, file.rel, file.size, file.mtimeMs)) {
        summary.alreadyRecorded += 1;
        bytesDone += file.size;
        continue;
      }
      const release = file.size >= BIG_FILE ? await bigFile.acquire() : undefined;
      try {
        if (stop) return;
        await ingestOne(file);
        bytesDone += file.size;
      } catch (err) {
        const code = err instanceof SourceError ? err.code : (err as Error).name === 'AbortError' ? 'aborted' : 'error';
        if (code === 'aborted') { summary.status = 'interrupted'; stop = true; return; }
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
  await Promise.all(Array.from({ length: PARALLEL_FILES }, worker));
  batcher.flush();
  await Promise.all(commits);
  req.onProgress?.({ file: '', index: started, total: listing.files.length, bytesDone, bytesTotal });

  custody.endSession(session, {
    status: summary.status, files: summary.files, bytes: summary.bytes, stored: summary.stored,
    duplicates: summary.duplicates, failed: summary.failed, errors: summary.errors.map((e) => e.message),
  });
  log.info(`ingest ${summary.status}: ${summary.stored} stored, ${summary.duplicates} duplicate, `
    + `${summary.alreadyRecorded} already recorded, ${summary.failed} failed`);
  return summary;

  function offsetFor(start: Date): number | null | undefined {
    const w = req.correctionWindow;
    if (w && (start < w.from || start > w.to)) return null;
    return req.clockOffsetS;
  }

  async function ingestOne(file: VolumeFile): Promise<void> {
    const put = await store.ingestFile(file.abs, { signal: req.signal });
    const kind = mediaKindOf(file.rel);
    const facts = parseFileName(profile, path.basename(file.rel), req.config.timezone);
    let media: MediaInfo | undefined;
    if (kind === 'video' || kind === 'audio' || (!facts.start && kind !== 'other')) {
      // Probe the stored object, not the camera: it is verified and cannot change under us.
      media = await readMediaInfo(put.path, { subject: file.rel, kind, timezone: req.config.timezone, onWarning: (w) => log.warn(w) }).catch((err: Error) => {
        log.warn(`${file.rel}: ffprobe failed, duration unknown: ${err.message}`);
        return undefined;
      });
    }
    const times = recordedTimes({ fromName: facts.start, creationTime: media?.creationTime, mtimeMs: file.mtimeMs, durationS: media?.durationS });
    commits.push(batcher.commit({
      sessionId: session, deviceSerial: serial, badge: facts.badge ?? badge, sourcePath: file.rel,
      size: put.size, mtimeMs: file.mtimeMs, sha256: put.sha256,
      recordedStart: times.start.toISOString(), recordedEnd: times.end?.toISOString(),
      durationS: media?.durationS, startSource: times.source, mediaKind: kind, clockOffsetS: offsetFor(times.start),
    }).then((res) => {
      if (res.duplicate) { summary.alreadyRecorded += 1; return; }
      summary.bytes += put.size;
      if (put.objectIsNew) summary.stored += 1; else summary.duplicates += 1;
    }, (err: Error) => {
      fail({ path: file.rel, code: 'commit', message: `${file.rel}: not committed: ${err.message}` });
    }));
  }
}
