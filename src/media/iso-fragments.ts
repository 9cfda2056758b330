// Duration of a fragmented MP4 (moov with no samples, then moof+mdat pairs), as cameras write
// to survive a power cut: the end of the last fragment, i.e. its tfdt decode time plus the
// durations in its trun, over the track's timescale. Without tfdt, the sum over all fragments.
import type { ByteSource } from './byte-source.js';
import { boxBody, readBoxes, uint, type Box } from './iso-boxes.js';

export interface TrackTiming {
  id?: number;
  timescale?: number;
  duration?: number;
  /** From mvex/trex: used when neither tfhd nor trun gives a sample's duration. */
  defaultSampleDuration?: number;
}

/** A trun over this many bytes is not read (a malformed count would otherwise ask for gigabytes). */
const MAX_TRUN_BYTES = 16 << 20;

interface TrackFragment { trackId: number; baseTime?: number; ticks: number }

export async function fragmentedDurationS(src: ByteSource, moofs: Box[], tracks: TrackTiming[], problems: string[]):
Promise<number | undefined> {
  const last = moofs.at(-1);
  if (!last) return undefined;
  const lastFrags = await readMoof(src, last, tracks, problems);
  const ends = new Map<number, number>();
  if (lastFrags.length > 0 && lastFrags.every((f) => f.baseTime !== undefined)) {
    for (const f of lastFrags) ends.set(f.trackId, Math.max(ends.get(f.trackId) ?? 0, (f.baseTime as number) + f.ticks));
  } else {
    for (const moof of moofs) {
      const frags = moof === last ? lastFrags : await readMoof(src, moof, tracks, problems);
      for (const f of frags) ends.set(f.trackId, (ends.get(f.trackId) ?? 0) + f.ticks);
    }
  }
  let best: number | undefined;
  for (const [id, ticks] of ends) {
    const scale = tracks.find((t) => t.id === id)?.timescale;
    if (scale) best = Math.max(best ?? 0, ticks / scale);
  }
  return best;
}

async function readMoof(src: ByteSource, moof: Box, tracks: TrackTiming[], problems: string[]): Promise<TrackFragment[]> {
  const out: TrackFragment[] = [];
  for (const traf of (await readBoxes(src, moof.body, moof.end, problems, 'moof')).filter((b) => b.type === 'traf')) {
    let trackId: number | undefined;
    let defaultDuration: number | undefined;
    let baseTime: number | undefined;
    let ticks = 0;
    for (const box of await readBoxes(src, traf.body, traf.end, problems, 'traf')) {
      if (box.type === 'tfhd') {
        const b = await boxBody(src, box, 64);
        const flags = b.length >= 4 ? b.readUIntBE(1, 3) : 0;
        trackId = uint(b, 4, 4);
        let at = 8;
        if (flags & 0x01) at += 8; // base_data_offset
        if (flags & 0x02) at += 4; // sample_description_index
        if (flags & 0x08) defaultDuration = uint(b, at, 4);
      } else if (box.type === 'tfdt') {
        const b = await boxBody(src, box, 16);
        baseTime = uint(b, 4, b[0] === 1 ? 8 : 4);
      } else if (box.type === 'trun') {
        const fallback = defaultDuration ?? tracks.find((t) => t.id === trackId)?.defaultSampleDuration ?? 0;
        ticks += await trunTicks(src, box, fallback);
      }
    }
    if (trackId !== undefined) out.push({ trackId, ticks, ...(baseTime === undefined ? {} : { baseTime }) });
  }
  return out;
}

/** Sum of the sample durations in one trun (each sample's own, or the default for all). */
async function trunTicks(src: ByteSource, trun: Box, defaultDuration: number): Promise<number> {
  const head = await boxBody(src, trun, 16);
  if (head.length < 8) return 0;
  const flags = head.readUIntBE(1, 3);
  const count = head.readUInt32BE(4);
  if (!(flags & 0x100)) return count * defaultDuration;
  const fields = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length;
  const first = 8 + (flags & 0x01 ? 4 : 0) + (flags & 0x04 ? 4 : 0);
  const need = first + count * fields * 4;
  if (need > MAX_TRUN_BYTES) return 0;
  const b = await boxBody(src, trun, need);
  let ticks = 0;
  for (let i = 0, at = first; i < count && at + 4 <= b.length; i++, at += fields * 4) ticks += b.readUInt32BE(at);
  return ticks;
}
