// MP4 / MOV / M4A read in-process: duration and creation time from moov/mvhd (tkhd and mdhd when
// mvhd has none), the audio/video tracks from trak/hdlr/stsd, and for a fragmented file the end
// of its last movie fragment. A clip cut off before its moov was written is reported, not thrown.
import type { ByteSource } from './byte-source.js';
import type { MediaInfo, MediaStream } from './probe.js';
import { boxBody, cachedRange, readBoxes, uint, type Box } from './iso-boxes.js';
import { fragmentedDurationS, type TrackTiming } from './iso-fragments.js';

/** What ffprobe calls the whole family; kept so results read the same whichever way they came. */
export const ISO_FORMAT_NAME = 'mov,mp4,m4a,3gp,3g2,mj2';

/** What a format reader could read, and what is wrong with the file (becomes the warning). */
export interface FormatReading { info: MediaInfo; problems: string[] }

/** A moov up to this size is read in one go (an hour of 1080p indexes to ~2 MiB). */
const MOOV_READ_WHOLE = 4 << 20;

const CODECS: Record<string, string> = {
  avc1: 'h264', avc3: 'h264', hvc1: 'hevc', hev1: 'hevc', mp4v: 'mpeg4', av01: 'av1', vp09: 'vp9',
  jpeg: 'mjpeg', mjpa: 'mjpeg', mp4a: 'aac', 'ac-3': 'ac3', 'ec-3': 'eac3', Opus: 'opus', fLaC: 'flac',
  samr: 'amr_nb', sawb: 'amr_wb', alaw: 'pcm_alaw', ulaw: 'pcm_mulaw', sowt: 'pcm_s16le', twos: 'pcm_s16be',
  '.mp3': 'mp3',
};

interface Track extends TrackTiming { kind?: 'video' | 'audio'; codec?: string; width?: number; height?: number; created?: Date }

export async function readIsoBmff(src: ByteSource): Promise<FormatReading> {
  const problems: string[] = [];
  const top = await readBoxes(src, 0, src.size, problems);
  const info: MediaInfo = { formatName: ISO_FORMAT_NAME, streams: [] };
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) {
    problems.push('no moov box (the recording was not closed, or the file is cut off): duration and creation time unknown');
    return { info, problems };
  }
  if (moov.truncated) return { info, problems }; // already said: the index itself is cut off

  const whole = moov.end - moov.start <= MOOV_READ_WHOLE;
  const msrc = whole ? cachedRange(src, moov.start, await src.read(moov.start, moov.end - moov.start)) : src;
  const children = await readBoxes(msrc, moov.body, moov.end, problems, 'moov');
  const movie = await movieHeader(msrc, children.find((b) => b.type === 'mvhd'));
  const tracks: Track[] = [];
  for (const trak of children.filter((b) => b.type === 'trak')) tracks.push(await readTrack(msrc, trak, problems));

  info.streams = tracks.flatMap((t): MediaStream[] => (t.kind
    ? [{ type: t.kind, codec: t.codec ?? 'unknown', ...(t.width ? { width: t.width } : {}), ...(t.height ? { height: t.height } : {}) }]
    : []));
  const created = movie.created ?? tracks.map((t) => t.created).find((d) => d !== undefined);
  if (created) info.creationTime = created;

  const mvex = children.find((b) => b.type === 'mvex');
  const candidates: (number | undefined)[] = [movie.durationS];
  if (mvex) candidates.push(await fragmentDeclaredDurationS(msrc, mvex, movie.timescale, tracks, problems));
  const moofs = top.filter((b) => b.type === 'moof' && !b.truncated);
  if (moofs.length > 0) candidates.push(await fragmentedDurationS(src, moofs, tracks, problems));
  if (!candidates.some((d) => d !== undefined)) {
    candidates.push(...tracks.map((t) => (t.timescale && t.duration !== undefined ? t.duration / t.timescale : undefined)));
  }
  const duration = Math.max(0, ...candidates.filter((d): d is number => d !== undefined && Number.isFinite(d)));
  if (duration > 0) info.durationS = Math.round(duration * 1e6) / 1e6; // microseconds, as ffprobe prints
  return { info, problems };
}

const MAC_TO_UNIX_S = 2_082_844_800; // 1904-01-01 → 1970-01-01

/**
 * QuickTime times count seconds from 1904 (UTC). A value below the 1970 offset is taken as
 * 1970-based, as ffmpeg does for muxers that write it so; zero means "not set".
 */
export function macTime(seconds: number | undefined): Date | undefined {
  if (seconds === undefined || seconds <= 0) return undefined;
  const unix = seconds >= MAC_TO_UNIX_S ? seconds - MAC_TO_UNIX_S : seconds;
  return unix > 0 ? new Date(unix * 1000) : undefined;
}

/** Duration field: all ones means "unknown" (a fragmented or live file). */
function known(v: number | undefined, bytes: 4 | 8): number | undefined {
  if (v === undefined) return undefined;
  return (bytes === 4 ? v === 0xffffffff : v >= 2 ** 64 - 1) ? undefined : v;
}

/** mvhd and mdhd share their first fields: times, then timescale and duration. */
function timesAndScale(b: Buffer): { created?: Date; timescale?: number; duration?: number } {
  const v1 = b[0] === 1;
  const w: 4 | 8 = v1 ? 8 : 4;
  const timescale = uint(b, 4 + 2 * w, 4);
  return { created: macTime(uint(b, 4, w)), timescale, duration: known(uint(b, 8 + 2 * w, w), w) };
}

async function movieHeader(src: ByteSource, mvhd: Box | undefined): Promise<{ created?: Date; timescale?: number; durationS?: number }> {
  if (!mvhd) return {};
  const { created, timescale, duration } = timesAndScale(await boxBody(src, mvhd, 64));
  const durationS = timescale && duration ? duration / timescale : undefined;
  return { created, timescale, durationS };
}

async function readTrack(src: ByteSource, trak: Box, problems: string[]): Promise<Track> {
  const t: Track = {};
  const kids = await readBoxes(src, trak.body, trak.end, problems, 'trak');
  const tkhd = kids.find((b) => b.type === 'tkhd');
  if (tkhd) {
    const b = await boxBody(src, tkhd, 64);
    const w = b[0] === 1 ? 8 : 4;
    t.created = macTime(uint(b, 4, w));
    t.id = uint(b, 4 + 2 * w, 4);
  }
  const mdia = kids.find((b) => b.type === 'mdia');
  if (!mdia) return t;
  const mkids = await readBoxes(src, mdia.body, mdia.end, problems, 'mdia');
  const mdhd = mkids.find((b) => b.type === 'mdhd');
  if (mdhd) {
    const m = timesAndScale(await boxBody(src, mdhd, 64));
    t.timescale = m.timescale;
    t.duration = m.duration;
    t.created ??= m.created;
  }
  const hdlr = mkids.find((b) => b.type === 'hdlr');
  const handler = hdlr ? (await boxBody(src, hdlr, 12)).toString('latin1', 8, 12) : '';
  if (handler === 'vide') t.kind = 'video';
  else if (handler === 'soun') t.kind = 'audio';
  else return t; // timecode, text, GPS or other data tracks are not streams
  const minf = mkids.find((b) => b.type === 'minf');
  const stbl = minf ? (await readBoxes(src, minf.body, minf.end, problems, 'minf')).find((b) => b.type === 'stbl') : undefined;
  const stsd = stbl ? (await readBoxes(src, stbl.body, stbl.end, problems, 'stbl')).find((b) => b.type === 'stsd') : undefined;
  if (stsd) {
    // full box header, entry count, then the first sample entry: size, format, 6+2 bytes, then
    // for video 16 bytes of reserved fields before width and height
    const b = await boxBody(src, stsd, 48);
    const format = b.length >= 16 ? b.toString('latin1', 12, 16) : '';
    if (format) t.codec = CODECS[format] ?? format.trim().toLowerCase();
    if (t.kind === 'video' && b.length >= 44) {
      t.width = b.readUInt16BE(40);
      t.height = b.readUInt16BE(42);
    }
  }
  return t;
}

/** mvex: `mehd` (the whole fragmented duration, when the muxer knew it) and `trex` defaults per track. */
async function fragmentDeclaredDurationS(src: ByteSource, mvex: Box, movieScale: number | undefined, tracks: Track[],
  problems: string[]): Promise<number | undefined> {
  let durationS: number | undefined;
  for (const box of await readBoxes(src, mvex.body, mvex.end, problems, 'mvex')) {
    const b = await boxBody(src, box, 64);
    if (box.type === 'mehd') {
      const d = known(uint(b, 4, b[0] === 1 ? 8 : 4), b[0] === 1 ? 8 : 4);
      if (d && movieScale) durationS = d / movieScale;
    } else if (box.type === 'trex') {
      const track = tracks.find((t) => t.id === uint(b, 4, 4));
      if (track) track.defaultSampleDuration = uint(b, 12, 4);
    }
  }
  return durationS;
}
