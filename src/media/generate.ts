// Real media for the camera simulator, made by ffmpeg from its test sources. Kept tiny (small
// frames, low frame rate and bitrate) because tests make many of them.
import { readFile, writeFile } from 'node:fs/promises';
import { runTool } from './run.js';
import { exifDateSegment, insertJpegSegment } from './exif.js';

export interface ClipOptions {
  seconds: number;
  /** Written as the container's creation_time (UTC); the camera's clock, right or wrong. */
  creationTime: Date;
  width?: number;
  height?: number;
  fps?: number;
}

export interface AudioOptions { seconds: number; creationTime: Date }

export interface PhotoOptions {
  /** Camera clock at the shot. */
  when: Date;
  /** Camera's UTC offset in minutes for the EXIF wall-clock time; default this machine's zone. */
  utcOffsetMinutes?: number;
  /**
   * The EXIF block: 'full' (default) with OffsetTimeOriginal, 'no-offset' the wall clock only
   * (cameras before EXIF 2.31), 'none' no EXIF at all.
   */
  exif?: 'full' | 'no-offset' | 'none';
  /** SubSecTimeOriginal digits, e.g. "042". */
  subSec?: string;
  /** EXIF in Motorola byte order. */
  bigEndian?: boolean;
}

const BASE = ['-hide_banner', '-nostdin', '-v', 'error', '-y'];
// Encodes scale with duration; allow generously more than real time.
const timeoutFor = (seconds: number) => 30_000 + seconds * 2_000;

function checkSeconds(seconds: number): void {
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`seconds must be > 0, got ${seconds}`);
}

/** H.264 + AAC in MP4, moov after mdat (the default muxer, as cameras write it, no +faststart). */
export async function makeClip(out: string, opts: ClipOptions): Promise<void> {
  checkSeconds(opts.seconds);
  const { seconds, width = 320, height = 240, fps = 12 } = opts;
  await runTool('ffmpeg', [
    ...BASE,
    '-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}:duration=${seconds}`,
    '-f', 'lavfi', '-i', `sine=frequency=1000:sample_rate=22050:duration=${seconds}`,
    '-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps * 2), '-b:v', '150k',
    '-c:a', 'aac', '-b:a', '32k', '-ac', '1',
    '-metadata', `creation_time=${opts.creationTime.toISOString()}`,
    '-f', 'mp4', out,
  ], { subject: out, timeoutMs: timeoutFor(seconds) });
}

/** AAC in an M4A (ipod muxer). */
export async function makeAudio(out: string, opts: AudioOptions): Promise<void> {
  checkSeconds(opts.seconds);
  await runTool('ffmpeg', [
    ...BASE,
    '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=22050:duration=${opts.seconds}`,
    '-c:a', 'aac', '-b:a', '32k', '-ac', '1',
    '-metadata', `creation_time=${opts.creationTime.toISOString()}`,
    '-f', 'ipod', out,
  ], { subject: out, timeoutMs: timeoutFor(opts.seconds) });
}

/**
 * Copies an MP4/M4A made above with a new creation_time, without re-encoding: a fresh file from
 * ffmpeg whose bytes (and hash) differ from the source, at a fraction of the cost of an encode.
 */
export async function restampMedia(src: string, out: string, creationTime: Date): Promise<void> {
  const format = /\.m4a$/i.test(out) ? 'ipod' : 'mp4';
  await runTool('ffmpeg', [
    ...BASE, '-i', src, '-map', '0', '-c', 'copy',
    '-metadata', `creation_time=${creationTime.toISOString()}`,
    '-f', format, out,
  ], { subject: out });
}

/** A small JPEG of a test-pattern frame, with EXIF DateTimeOriginal from the camera clock (see PhotoOptions.exif). */
export async function makePhoto(out: string, opts: PhotoOptions): Promise<void> {
  const offsetMin = opts.utcOffsetMinutes ?? -opts.when.getTimezoneOffset();
  // The frame varies with the time of day so different shots look different.
  const frame = Math.floor(opts.when.getTime() / 1000) % 50;
  await runTool('ffmpeg', [
    ...BASE, '-f', 'lavfi', '-i', 'testsrc2=size=320x240:rate=10:duration=5',
    '-vf', `select=eq(n\\,${frame})`, '-frames:v', '1', '-q:v', '6', '-pix_fmt', 'yuvj420p',
    '-f', 'image2', '-c:v', 'mjpeg', out,
  ], { subject: out });
  if (opts.exif === 'none') return;
  const jpeg = await readFile(out);
  const offset = opts.exif === 'no-offset' ? undefined : exifOffset(offsetMin);
  const segment = exifDateSegment(exifLocal(opts.when, offsetMin), offset, { subSec: opts.subSec, bigEndian: opts.bigEndian });
  await writeFile(out, insertJpegSegment(jpeg, segment));
}

function exifLocal(when: Date, offsetMin: number): string {
  const t = new Date(when.getTime() + offsetMin * 60_000).toISOString(); // wall clock as if UTC
  return `${t.slice(0, 10).replaceAll('-', ':')} ${t.slice(11, 19)}`;
}

function exifOffset(offsetMin: number): string {
  const a = Math.abs(offsetMin);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${offsetMin < 0 ? '-' : '+'}${two(Math.floor(a / 60))}:${two(a % 60)}`;
}
