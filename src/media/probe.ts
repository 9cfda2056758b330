// Media metadata via ffprobe: a pure parser of its JSON (tested on recorded output) and a thin
// probeMedia that runs it.
import { runTool } from './run.js';

export interface MediaStream {
  type: 'video' | 'audio';
  codec: string;
  width?: number;
  height?: number;
}

export interface MediaInfo {
  /** Absent for still images and when ffprobe reports none. */
  durationS?: number;
  /** The `creation_time` tag: the device's own clock, which may be wrong. */
  creationTime?: Date;
  formatName: string;
  streams: MediaStream[];
  /**
   * Set when the file could not be read whole (cut off, damaged, not media): what is wrong,
   * naming the file. The file is still ingested with what could be read.
   */
  warning?: string;
}

export class MediaProbeError extends Error {
  readonly exitCode = 1;
  constructor(message: string) {
    super(message);
    this.name = 'MediaProbeError';
  }
}

const PROBE_TIMEOUT_MS = 30_000;

export async function probeMedia(path: string, opts: { timeoutMs?: number } = {}): Promise<MediaInfo> {
  const { stdout } = await runTool(
    'ffprobe',
    ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', '--', path],
    { timeoutMs: opts.timeoutMs ?? PROBE_TIMEOUT_MS, subject: path },
  );
  return parseFfprobeJson(stdout, path);
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Parses `ffprobe -print_format json -show_format -show_streams` output; `source` names the file in errors. */
export function parseFfprobeJson(text: string, source = '<ffprobe output>'): MediaInfo {
  if (text.trim() === '') throw new MediaProbeError(`ffprobe gave no output for ${source}`);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new MediaProbeError(`ffprobe output for ${source} is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(doc) || !isObject(doc.format)) {
    throw new MediaProbeError(`ffprobe output for ${source} has no "format" section (not a media file?)`);
  }
  const format = doc.format;
  const formatName = typeof format.format_name === 'string' ? format.format_name : '';
  if (formatName === '') throw new MediaProbeError(`ffprobe output for ${source} has no format_name`);

  const rawStreams = Array.isArray(doc.streams) ? doc.streams.filter(isObject) : [];
  const streams = rawStreams.flatMap((s): MediaStream[] => {
    if (s.codec_type !== 'video' && s.codec_type !== 'audio') return []; // data/subtitle tracks
    const out: MediaStream = { type: s.codec_type, codec: typeof s.codec_name === 'string' ? s.codec_name : 'unknown' };
    if (typeof s.width === 'number' && s.width > 0) out.width = s.width;
    if (typeof s.height === 'number' && s.height > 0) out.height = s.height;
    return [out];
  });

  const info: MediaInfo = { formatName, streams };
  // A JPEG read by the image2 demuxer reports one frame's duration (0.04 s): meaningless for a photo.
  const still = formatName === 'image2' || formatName.endsWith('_pipe');
  const duration = positiveNumber(format.duration);
  if (!still && duration !== undefined) info.durationS = duration;
  const created = creationTime(format) ?? rawStreams.map(creationTime).find((d) => d !== undefined);
  if (created) info.creationTime = created;
  return info;
}

function positiveNumber(v: unknown): number | undefined {
  const n = typeof v === 'string' ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

function creationTime(section: Json): Date | undefined {
  const tags = section.tags;
  if (!isObject(tags) || typeof tags.creation_time !== 'string') return undefined;
  const d = new Date(tags.creation_time);
  // Some muxers write a zero date (1904/1970 epoch) when the clock was unset: treat as absent.
  return Number.isNaN(d.getTime()) || d.getTime() <= 0 ? undefined : d;
}
