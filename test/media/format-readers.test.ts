// The in-process format readers on real bytes (ffmpeg-made, held in memory), and on those bytes
// cut off at many points or damaged: they report problems, never throw, never hang.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bufferSource, makeClip, makePhoto, probeMedia, readKnownFormat, runTool } from '../../src/media/index.js';
import { readBoxes } from '../../src/media/iso-boxes.js';
import { macTime, readIsoBmff } from '../../src/media/iso-bmff.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'evidock-formats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => path.join(dir, name);
const ffmpeg = (...args: string[]) => runTool('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);

const bytes: Record<'mp4' | 'frag' | 'wav' | 'jpg', Buffer> = { mp4: Buffer.alloc(0), frag: Buffer.alloc(0), wav: Buffer.alloc(0), jpg: Buffer.alloc(0) };
let fragDuration = 0;

beforeAll(async () => {
  await makeClip(p('clip.mp4'), { seconds: 3, creationTime: new Date('2026-11-26T00:30:00Z') });
  await Promise.all([
    // fragments of 0.5 s behind an empty moov, as a camera writes to survive a power cut
    ffmpeg('-i', p('clip.mp4'), '-map', '0', '-c', 'copy', '-movflags', 'empty_moov+default_base_moof',
      '-frag_duration', '500000', '-f', 'mp4', p('frag.mp4')),
    ffmpeg('-f', 'lavfi', '-i', 'sine=duration=1:sample_rate=16000', '-c:a', 'pcm_s16le', '-write_bext', '1',
      '-metadata', 'origination_date=2026-11-26', '-metadata', 'origination_time=08:31:12', '-f', 'wav', p('a.wav')),
    makePhoto(p('a.jpg'), { when: new Date('2026-11-26T00:31:12Z'), utcOffsetMinutes: 480, subSec: '25' }),
  ]);
  bytes.mp4 = readFileSync(p('clip.mp4'));
  bytes.frag = readFileSync(p('frag.mp4'));
  bytes.wav = readFileSync(p('a.wav'));
  bytes.jpg = readFileSync(p('a.jpg'));
  fragDuration = (await probeMedia(p('frag.mp4'))).durationS as number;
});

/** Offsets of every box of `type` (found by walking the real structure, not by searching bytes). */
async function boxesOf(data: Buffer, path: string[]): Promise<{ start: number; body: number; end: number }[]> {
  let level = [{ start: 0, body: 0, end: data.length }];
  for (const type of path) {
    const next = [];
    for (const parent of level) next.push(...(await readBoxes(bufferSource(data), parent.body, parent.end, [])).filter((b) => b.type === type));
    level = next;
  }
  return level;
}

describe('fragmented MP4', () => {
  it('has an empty moov (mvhd duration 0, no mehd): the duration comes from the fragments', async () => {
    const [mvhd] = await boxesOf(bytes.frag, ['moov', 'mvhd']);
    expect(bytes.frag.readUInt32BE((mvhd as { body: number }).body + 16)).toBe(0);
    expect(await boxesOf(bytes.frag, ['moov', 'mvex', 'mehd'])).toHaveLength(0);
    expect((await boxesOf(bytes.frag, ['moof'])).length).toBeGreaterThanOrEqual(5);
    const { info, problems } = await readIsoBmff(bufferSource(bytes.frag));
    expect(problems).toEqual([]);
    expect(info.durationS).toBeCloseTo(fragDuration, 5);
  });

  it('without tfdt (muxers before it existed) the fragments are summed to the same duration', async () => {
    const data = Buffer.from(bytes.frag);
    const tfdts = await boxesOf(data, ['moof', 'traf', 'tfdt']);
    expect(tfdts.length).toBeGreaterThanOrEqual(10);
    for (const b of tfdts) data.write('free', b.start + 4, 'latin1'); // same bytes, box now skipped
    const { info } = await readIsoBmff(bufferSource(data));
    expect(info.durationS).toBeCloseTo(fragDuration, 2);
  });

  it('a trun claiming 4 billion samples neither hangs nor asks for gigabytes', async () => {
    const data = Buffer.from(bytes.frag);
    for (const b of await boxesOf(data, ['moof', 'traf', 'trun'])) data.writeUInt32BE(0xffffffff, b.body + 4);
    const { info } = await readIsoBmff(bufferSource(data));
    expect(Number.isFinite(info.durationS ?? 0)).toBe(true);
  });
});

describe('damage is reported, not thrown', () => {
  it('a moov that claims more bytes than the file holds', async () => {
    const data = Buffer.from(bytes.mp4);
    const [moov] = await boxesOf(data, ['moov']);
    data.writeUInt32BE(0x7fffffff, (moov as { start: number }).start);
    const { info, problems } = await readIsoBmff(bufferSource(data));
    expect(info.durationS).toBeUndefined();
    expect(problems.join()).toMatch(/ends inside box moov/);
  });

  it('a box of size 3 (smaller than its own header)', async () => {
    const data = Buffer.from(bytes.mp4);
    data.writeUInt32BE(3, 0);
    const { problems } = await readIsoBmff(bufferSource(data));
    expect(problems.join()).toMatch(/malformed box ftyp at offset 0/);
  });

  // Cut at many points: the first KiB byte by byte-ish, then evenly through the file.
  const cuts = (len: number) => [...new Set([
    ...Array.from({ length: 160 }, (_, i) => i * 7),
    ...Array.from({ length: 97 }, (_, i) => Math.floor((len * (i + 1)) / 98)),
  ])].filter((n) => n < len);

  it.each(['mp4', 'frag', 'wav', 'jpg'] as const)('%s cut off anywhere: a problem named, or not recognised at all', async (kind) => {
    const data = bytes[kind];
    expect((await readKnownFormat(bufferSource(data), '+08:00'))?.problems).toEqual([]); // whole: clean
    for (const n of cuts(data.length)) {
      const reading = await readKnownFormat(bufferSource(data.subarray(0, n)), '+08:00');
      if (reading === undefined) { expect(n).toBeLessThan(12); continue; } // too short to tell the format
      expect({ n, problems: reading.problems.length > 0 }).toEqual({ n, problems: true });
    }
  });

  it.each(['mp4', 'frag', 'wav', 'jpg'] as const)('%s with bytes overwritten at random never throws', async (kind) => {
    let seed = 12345;
    const rand = () => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed; };
    for (let round = 0; round < 150; round++) {
      const data = Buffer.from(bytes[kind]);
      // damage the structure near the start, where the headers are, and anywhere
      for (let k = 0; k < 4; k++) data[rand() % Math.min(data.length, 4096)] = rand() & 0xff;
      data[rand() % data.length] = rand() & 0xff;
      await readKnownFormat(bufferSource(data), '+08:00');
    }
  });
});

describe('macTime: QuickTime seconds since 1904', () => {
  it.each([
    ['unset', 0, undefined],
    ['exactly the Unix epoch (an unset clock)', 2_082_844_800, undefined],
    ['1904-based', 2_082_844_800 + 1_795_653_000, '2026-11-26T00:30:00.000Z'],
    ['1970-based, as some muxers write it', 1_795_653_000, '2026-11-26T00:30:00.000Z'],
    ['missing', undefined, undefined],
  ])('%s', (_label, seconds, expected) => {
    expect(macTime(seconds)?.toISOString()).toBe(expected);
  });
});
