// WAV (RIFF/WAVE, RF64/BW64) read in-process: duration from the fmt byte rate and the data size,
// the recording time from Broadcast-WAV `bext` (origination date and time) or LIST/INFO `ICRD`.
// A recorder cut off mid-file leaves a data size larger than the file (or 0 / 0xFFFFFFFF): the
// bytes present are timed and the cut is reported.
import type { ByteSource } from './byte-source.js';
import type { FormatReading } from './iso-bmff.js';
import type { MediaInfo } from './probe.js';
import { bextInstant, riffDateInstant } from './wall-clock.js';

export function looksLikeWav(head: Buffer): boolean {
  return head.length >= 12 && /^(RIFF|RF64|BW64)$/.test(head.toString('latin1', 0, 4)) && head.toString('latin1', 8, 12) === 'WAVE';
}

interface Fmt { code: number; channels: number; sampleRate: number; byteRate: number; bits: number }

const MAX_CHUNKS = 10_000;

export async function readWav(src: ByteSource, timezone: string): Promise<FormatReading> {
  const problems: string[] = [];
  const info: MediaInfo = { formatName: 'wav', streams: [] };
  let fmt: Fmt | undefined;
  let dataBytes: number | undefined;
  let ds64DataSize: number | undefined;
  let bextTime: Date | undefined;
  let icrdTime: Date | undefined;
  let at = 12;
  for (let n = 0; at + 8 <= src.size && n < MAX_CHUNKS; n++) {
    const h = await src.read(at, 8);
    const id = h.toString('latin1', 0, 4);
    let size = h.readUInt32LE(4);
    const body = at + 8;
    const present = src.size - body;
    if (id === 'data') {
      if (ds64DataSize !== undefined && size === 0xffffffff) size = ds64DataSize;
      if (size === 0 || size === 0xffffffff || size > present) {
        problems.push(size > present && size !== 0xffffffff
          ? `data chunk cut off: ${present} of ${size} bytes present`
          : 'data chunk size never written (the recorder was not stopped)');
        size = present;
      }
      dataBytes = size;
    } else if (size > present) {
      problems.push(`chunk "${id}" at offset ${at} cut off (${present} of ${size} bytes present)`);
      break;
    } else if (id === 'fmt ') {
      fmt = parseFmt(await src.read(body, Math.min(size, 40)));
    } else if (id === 'ds64') {
      const b = await src.read(body, 24);
      if (b.length >= 16) ds64DataSize = Number(b.readBigUInt64LE(8));
    } else if (id === 'bext' && size >= 338) {
      const b = await src.read(body + 320, 18);
      bextTime = bextInstant(b.toString('latin1', 0, 10), b.toString('latin1', 10, 18), timezone);
    } else if (id === 'LIST' && size <= 1 << 20) {
      icrdTime = infoDate(await src.read(body, size), timezone) ?? icrdTime;
    }
    at = body + size + (size & 1); // chunks are padded to an even length
  }
  if (!fmt) problems.push('no fmt chunk: not a playable WAV');
  else info.streams = [{ type: 'audio', codec: codecName(fmt) }];
  if (dataBytes === undefined) problems.push('no data chunk');
  if (fmt && dataBytes !== undefined && fmt.byteRate > 0) info.durationS = Math.round((dataBytes / fmt.byteRate) * 1e6) / 1e6;
  const created = bextTime ?? icrdTime;
  if (created) info.creationTime = created;
  return { info, problems };
}

function parseFmt(b: Buffer): Fmt | undefined {
  if (b.length < 16) return undefined;
  let code = b.readUInt16LE(0);
  // WAVE_FORMAT_EXTENSIBLE: the real format is the first two bytes of the sub-format GUID
  if (code === 0xfffe && b.length >= 26) code = b.readUInt16LE(24);
  return { code, channels: b.readUInt16LE(2), sampleRate: b.readUInt32LE(4), byteRate: b.readUInt32LE(8), bits: b.readUInt16LE(14) };
}

function codecName(f: Fmt): string {
  switch (f.code) {
    case 1: return f.bits === 8 ? 'pcm_u8' : `pcm_s${f.bits}le`;
    case 3: return `pcm_f${f.bits}le`;
    case 6: return 'pcm_alaw';
    case 7: return 'pcm_mulaw';
    case 0x11: return 'adpcm_ima_wav';
    case 0x55: return 'mp3';
    default: return `wav_0x${f.code.toString(16)}`;
  }
}

/** LIST/INFO sub-chunks are id, size, NUL-terminated text; only ICRD (creation date) matters here. */
function infoDate(list: Buffer, timezone: string): Date | undefined {
  if (list.toString('latin1', 0, 4) !== 'INFO') return undefined;
  for (let at = 4; at + 8 <= list.length;) {
    const id = list.toString('latin1', at, at + 4);
    const size = list.readUInt32LE(at + 4);
    if (id === 'ICRD') return riffDateInstant(list.toString('latin1', at + 8, Math.min(at + 8 + size, list.length)), timezone);
    at += 8 + size + (size & 1);
  }
  return undefined;
}
