// Watermarked copies for approved views and exports (art. 15): a dark band along the bottom of
// every video frame or photo, carrying the request number, the requester and the date in a CJK
// font (so Chinese names render). Audio has no picture: its copy keeps the sound untouched and
// carries the same text as a metadata tag; the manifest's hash is what identifies it.
// The text goes to drawtext through a file (textfile=) so no name needs escaping, with
// expansion=none so a '%{...}' in a name is printed, not evaluated.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { probeMedia } from './probe.js';
import { MediaToolError, runTool, runToolBinary } from './run.js';

const BASE = ['-hide_banner', '-nostdin', '-v', 'error', '-y'];

/** Debian's CJK fonts (fonts-wqy-zenhei, fonts-noto-cjk, fonts-wqy-microhei), tried before asking fontconfig. */
export const KNOWN_CJK_FONTS = [
  '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc',
  '/usr/share/fonts/truetype/wqy/wqy-microhei.ttc',
  '/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc',
];

// Paths reach ffmpeg's filter graph; refuse anything that would need escaping there.
const SAFE_PATH = /^[A-Za-z0-9._/+-]+$/;

export class WatermarkError extends Error {
  readonly exitCode = 1;
}

/** The font watermarks are drawn with: the configured file, else a known CJK font, else fontconfig's answer for Chinese. */
export function findCjkFont(configured?: string): string {
  if (configured !== undefined) {
    if (!existsSync(configured)) throw new WatermarkError(`access.font: ${configured} does not exist`);
    return configured;
  }
  const known = KNOWN_CJK_FONTS.find((f) => existsSync(f));
  if (known) return known;
  const r = spawnSync('fc-list', [':lang=zh', '-f', '%{file}\n'], { encoding: 'utf8' });
  const found = r.status === 0 ? r.stdout.split('\n').map((l) => l.trim()).find((f) => f && existsSync(f)) : undefined;
  if (found) return found;
  throw new WatermarkError('no CJK font for watermarks: install fonts-wqy-zenhei (or fonts-noto-cjk), or set access.font');
}

export interface WatermarkLayout { fontSize: number; lineHeight: number; band: number; pad: number }

/** Where the band goes on a frame of this height: `band` pixels at the bottom. Pure, so tests can find the text. */
export function watermarkLayout(height: number, lines: number): WatermarkLayout {
  const fontSize = Math.max(12, Math.round(height / 20));
  const lineHeight = Math.round(fontSize * 1.3);
  const pad = Math.max(3, Math.round(fontSize / 3));
  return { fontSize, lineHeight, pad, band: Math.min(height, lines * lineHeight + 2 * pad) };
}

function safe(p: string, what: string): string {
  if (!SAFE_PATH.test(p)) throw new WatermarkError(`${what} ${JSON.stringify(p)} has characters the ffmpeg filter graph would interpret`);
  return p;
}

function filterFor(layout: WatermarkLayout, font: string, textFile: string): string {
  const { band, pad, fontSize, lineHeight } = layout;
  return [
    `drawbox=x=0:y=ih-${band}:w=iw:h=${band}:color=black@0.65:t=fill`,
    `drawtext=fontfile=${safe(font, 'font')}:textfile=${safe(textFile, 'text file')}:expansion=none`
      + `:fontsize=${fontSize}:line_spacing=${lineHeight - fontSize}:fontcolor=white:x=${pad}:y=h-${band}+${pad}`,
  ].join(',');
}

export interface WatermarkInput {
  /** Lines of text drawn in the band (UTF-8). */
  lines: string[];
  font: string;
}

async function withTextFile<T>(lines: string[], fn: (file: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evidock-wm-'));
  try {
    const file = path.join(dir, 'text.txt');
    writeFileSync(file, lines.join('\n'), 'utf8');
    return await fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function frameSize(src: string): Promise<{ width: number; height: number; durationS: number }> {
  const info = await probeMedia(src);
  const v = info.streams.find((s) => s.type === 'video');
  if (!v?.width || !v.height) throw new WatermarkError(`${src}: no video stream to watermark`);
  return { width: v.width, height: v.height, durationS: info.durationS ?? 0 };
}

/** Re-encodes a video (H.264, near-lossless) with the band burnt into every frame; audio is copied as it is. */
export async function watermarkVideo(src: string, out: string, wm: WatermarkInput): Promise<void> {
  const { height, durationS } = await frameSize(src);
  const layout = watermarkLayout(height, wm.lines.length);
  await withTextFile(wm.lines, (textFile) => runTool('ffmpeg', [
    ...BASE, '-i', src, '-map', '0:v:0', '-map', '0:a?', '-vf', filterFor(layout, wm.font, textFile),
    '-fps_mode', 'passthrough', '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '16', '-pix_fmt', 'yuv420p',
    '-c:a', 'copy', '-map_metadata', '0', '-metadata', `comment=${wm.lines.join(' | ')}`, '-f', 'mp4', out,
  ], { subject: src, timeoutMs: 60_000 + durationS * 10_000 }));
}

/** A JPEG of the photo with the band drawn on it. */
export async function watermarkPhoto(src: string, out: string, wm: WatermarkInput): Promise<void> {
  const { height } = await frameSize(src);
  const layout = watermarkLayout(height, wm.lines.length);
  await withTextFile(wm.lines, (textFile) => runTool('ffmpeg', [
    ...BASE, '-i', src, '-vf', filterFor(layout, wm.font, textFile), '-frames:v', '1', '-q:v', '2',
    '-f', 'image2', '-c:v', 'mjpeg', out,
  ], { subject: src }));
}

/** Audio-only: the stream copied bit for bit into a new file whose metadata comment carries the text. */
export async function tagAudio(src: string, out: string, lines: string[]): Promise<void> {
  await runTool('ffmpeg', [
    ...BASE, '-i', src, '-map', '0', '-c', 'copy', '-map_metadata', '0', '-metadata', `comment=${lines.join(' | ')}`, out,
  ], { subject: src, timeoutMs: 120_000 });
}

export interface RgbFrame { width: number; height: number; data: Buffer }

/** One decoded frame (at `atSeconds`, default the first) as packed RGB24, for checking what a picture shows. */
export async function decodeFrameRgb(file: string, atSeconds = 0): Promise<RgbFrame> {
  const { width, height } = await frameSize(file);
  const seek = atSeconds > 0 ? ['-ss', String(atSeconds)] : [];
  const { stdout } = await runToolBinary('ffmpeg', [
    ...BASE, ...seek, '-i', file, '-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-',
  ], { subject: file });
  if (stdout.length !== width * height * 3) {
    throw new MediaToolError(`${file}: decoded ${stdout.length} bytes, expected ${width}x${height}x3`, 'ffmpeg', '');
  }
  return { width, height, data: stdout };
}
