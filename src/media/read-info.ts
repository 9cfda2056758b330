// The metadata an ingest needs (duration, recording time) for the formats cameras write, read
// in-process: MP4/MOV/M4A, JPEG/EXIF, WAV (and PNG/BMP sizes). ffprobe stays the fallback for what is not understood
// here (AVI, MPEG-TS, MKV, …), run at most once per file. Nothing here throws to the caller: a
// damaged file gives what could be read plus a warning naming it, and is still ingested.
import os from 'node:os';
import { headSource, openFileSource, type ByteSource } from './byte-source.js';
import { looksLikeIsoBmff } from './iso-boxes.js';
import { readIsoBmff, type FormatReading } from './iso-bmff.js';
import { looksLikeJpeg, readJpeg } from './jpeg.js';
import { looksLikeWav, readWav } from './wav.js';
import { looksLikeBmp, looksLikePng, readBmp, readPng } from './still-images.js';
import { probeMedia, type MediaInfo } from './probe.js';
import { Semaphore } from '../util/mutex.js';

export interface ReadMediaOptions {
  /** Names the file in the warning (e.g. its path on the camera); default the path read. */
  subject?: string;
  /** For wall-clock times that carry no offset (EXIF without OffsetTime*, WAV bext/ICRD): "local" or ±HH:MM. */
  timezone?: string;
  /** Told the warning, if there is one (it is also in the result's `warning`). */
  onWarning?: (message: string) => void;
  /** ffprobe's time limit, when it runs. */
  timeoutMs?: number;
  /**
   * What the file's name says it is ('video', 'audio', 'photo', …). For a photo ffprobe is never
   * run: it reports neither a time nor a duration for a still image, so it could add nothing.
   */
  kind?: string;
  /** The file's first bytes, already read (store/copy.ts keeps them), and its size: read before the file. */
  head?: { bytes: Buffer; size: number } | undefined;
}

export interface FastReading {
  info: MediaInfo;
  /** The format is not one read in-process: only ffprobe can tell (see probeFallback). */
  needsProbe: boolean;
}

/** ffprobes at once in this process, whatever the number of cameras and files in flight. */
const probeSlots = new Semaphore(Math.max(2, os.availableParallelism()));

/** Reads a file's metadata, with ffprobe (once) only for a format not understood in-process. */
export async function readMediaInfo(path: string, opts: ReadMediaOptions = {}): Promise<MediaInfo> {
  const fast = await readMediaInfoFast(path, opts);
  return fast.needsProbe ? probeFallback(path, opts) : fast.info;
}

/**
 * The in-process half: never spawns a process. `needsProbe` says the caller should run
 * probeFallback for this file (e.g. later, off the copy's critical path); when it is false,
 * `info` is final and any warning has been given.
 */
export async function readMediaInfoFast(path: string, opts: ReadMediaOptions = {}): Promise<FastReading> {
  let src: Awaited<ReturnType<typeof openFileSource>>;
  try {
    src = opts.head ? headSource(opts.head.bytes, opts.head.size, path) : await openFileSource(path);
  } catch (e) {
    return { info: warned({ formatName: 'unknown', streams: [] }, [`cannot be read: ${(e as Error).message}`], opts, path), needsProbe: false };
  }
  try {
    if (src.size === 0) {
      return { info: warned({ formatName: 'unknown', streams: [] }, ['empty file (0 bytes): no media metadata'], opts, path), needsProbe: false };
    }
    const reading = await readKnownFormat(src, opts.timezone ?? 'local');
    if (reading) return { info: warned(reading.info, reading.problems, opts, path), needsProbe: false };
    return notUnderstood(path, opts, 'not a JPEG, PNG or BMP image');
  } catch (e) {
    // A read error or a structure the parsers did not expect: ffprobe gets its one try.
    return notUnderstood(path, opts, `unreadable in-process (${(e as Error).message})`);
  } finally {
    await src.close().catch(() => undefined);
  }
}

/** The ffprobe half, for a file readMediaInfoFast could not read: one run, never throws. */
export async function probeFallback(path: string, opts: ReadMediaOptions = {}): Promise<MediaInfo> {
  const release = await probeSlots.acquire();
  try {
    return await probeMedia(path, { timeoutMs: opts.timeoutMs });
  } catch (e) {
    return warned({ formatName: 'unknown', streams: [] }, [`not readable as media: ${(e as Error).message}`], opts, path);
  } finally {
    release();
  }
}

function notUnderstood(path: string, opts: ReadMediaOptions, why: string): FastReading {
  const info: MediaInfo = { formatName: 'unknown', streams: [] };
  if (opts.kind !== 'photo') return { info, needsProbe: true };
  return { info: warned(info, [`${why}: no metadata read`], opts, path), needsProbe: false };
}

/** Which in-process reader the first bytes call for; undefined when none does. */
export async function readKnownFormat(src: ByteSource, timezone: string): Promise<FormatReading | undefined> {
  const head = await src.read(0, 16);
  if (looksLikeIsoBmff(head)) return readIsoBmff(src);
  if (looksLikeJpeg(head)) return readJpeg(src, timezone);
  if (looksLikeWav(head)) return readWav(src, timezone);
  if (looksLikePng(head)) return readPng(src);
  if (looksLikeBmp(head)) return readBmp(src);
  return undefined;
}

function warned(info: MediaInfo, problems: string[], opts: ReadMediaOptions, path: string): MediaInfo {
  if (problems.length === 0) return info;
  const warning = `${opts.subject ?? path}: ${problems.join('; ')}`;
  try {
    opts.onWarning?.(warning);
  } catch {
    // the caller's logger failing must not turn a readable file into an unreadable one
  }
  return { ...info, warning };
}
