// readMediaInfo on what cameras write, made by ffmpeg: the in-process readers agree with ffprobe
// on duration and tracks, find the recording time, start no process for the formats they know,
// run ffprobe exactly once for the ones they do not, and turn damage into a warning naming the file.
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeAudio, makeClip, makePhoto, probeMedia, probeFallback, readMediaInfo, readMediaInfoFast, runTool, toolRuns,
  type MediaInfo,
} from '../../src/media/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'evidock-readinfo-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => path.join(dir, name);
const CREATED = new Date('2026-11-26T00:30:00Z');
const ffmpeg = (...args: string[]) => runTool('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
/** A copy of the clip in another container; stream copy drops creation_time unless given again. */
const remux = (out: string, ...args: string[]) => ffmpeg('-i', p('clip.mp4'), '-map', '0', '-c', 'copy', ...args, p(out));
const dated = ['-metadata', `creation_time=${CREATED.toISOString()}`];
const cut = (from: string, to: string, fraction: number) =>
  writeFileSync(p(to), readFileSync(p(from)).subarray(0, Math.floor(statSync(p(from)).size * fraction)));

/** readMediaInfo, and how many ffprobe processes it started. */
async function read(name: string, timezone = '+08:00', kind?: string): Promise<{ info: MediaInfo; probes: number; warned: string[] }> {
  const warned: string[] = [];
  const before = toolRuns().ffprobe;
  const info = await readMediaInfo(p(name), { subject: `DCIM/${name}`, timezone, kind, onWarning: (w) => warned.push(w) });
  return { info, probes: toolRuns().ffprobe - before, warned };
}

/** In-process and ffprobe agree on what both report. */
async function expectSameAsFfprobe(name: string, info: MediaInfo): Promise<void> {
  const probed = await probeMedia(p(name));
  expect(info.formatName).toBe(probed.formatName);
  expect(info.streams).toEqual(probed.streams);
  if (probed.durationS === undefined) expect(info.durationS).toBeUndefined();
  else expect(info.durationS).toBeCloseTo(probed.durationS, 3);
}

beforeAll(async () => {
  await makeClip(p('clip.mp4'), { seconds: 3, creationTime: CREATED });
  await Promise.all([
    remux('clip.mov', ...dated, '-f', 'mov'),
    remux('undated.mov', '-f', 'mov'),
    remux('nodate.mp4', '-map_metadata', '-1', '-fflags', '+bitexact', '-f', 'mp4'),
    remux('nodate.mov', '-map_metadata', '-1', '-fflags', '+bitexact', '-f', 'mov'),
    remux('frag.mp4', ...dated, '-movflags', 'frag_keyframe+empty_moov', '-f', 'mp4'),
    remux('faststart.mp4', ...dated, '-movflags', '+faststart', '-f', 'mp4'),
    remux('clip.ismv', ...dated, '-f', 'ismv'),
    remux('clip.avi', '-f', 'avi'),
    remux('clip.ts', '-f', 'mpegts'),
    makeAudio(p('note.m4a'), { seconds: 2, creationTime: new Date('2026-11-26T00:40:00Z') }),
  ]);
});

describe('MP4 and MOV: duration, creation_time and tracks from moov, no process', () => {
  it.each([
    ['clip.mp4', CREATED], ['clip.mov', CREATED], ['faststart.mp4', CREATED],
    ['nodate.mp4', undefined], ['nodate.mov', undefined], ['undated.mov', undefined],
  ])('%s', async (name, created) => {
    const { info, probes, warned } = await read(name);
    expect(probes).toBe(0);
    expect(warned).toEqual([]);
    expect(info.creationTime?.toISOString()).toBe(created?.toISOString());
    expect(info.durationS).toBeGreaterThan(2.9);
    expect(info.streams.map((s) => s.codec)).toEqual(['h264', 'aac']);
    await expectSameAsFfprobe(name, info);
  });

  it('a fragmented MP4 (empty moov, moof+mdat pairs) is timed by its last fragment', async () => {
    const { info, probes } = await read('frag.mp4');
    expect(probes).toBe(0);
    expect(info.creationTime?.toISOString()).toBe(CREATED.toISOString());
    expect(info.durationS).toBeGreaterThan(2.9);
    await expectSameAsFfprobe('frag.mp4', info);
  });

  it('a fragmented file with 64-bit (version 1) headers, as the ismv muxer writes', async () => {
    const { info, probes } = await read('clip.ismv');
    expect(probes).toBe(0);
    expect(info.creationTime?.toISOString()).toBe(CREATED.toISOString());
    expect(info.durationS).toBeGreaterThan(2.9);
    await expectSameAsFfprobe('clip.ismv', info);
  });

  it('M4A: audio only, with its creation_time', async () => {
    const { info, probes } = await read('note.m4a');
    expect(probes).toBe(0);
    expect(info.creationTime?.toISOString()).toBe('2026-11-26T00:40:00.000Z');
    expect(info.streams).toEqual([{ type: 'audio', codec: 'aac' }]);
    await expectSameAsFfprobe('note.m4a', info);
  });
});

describe('cut-off and damaged files: a warning naming the file, never a throw', () => {
  it('an MP4 cut in half (moov never written): no time, no duration, no process', async () => {
    cut('clip.mp4', 'cut.mp4', 0.5);
    const { info, probes, warned } = await read('cut.mp4');
    expect(probes).toBe(0);
    expect(info.durationS).toBeUndefined();
    expect(info.creationTime).toBeUndefined();
    expect(info.warning).toMatch(/^DCIM\/cut\.mp4: .*ends inside box mdat.*no moov box/);
    expect(warned).toEqual([info.warning]);
    await expect(probeMedia(p('cut.mp4'))).rejects.toThrow(/moov atom not found/); // ffprobe could not do better
  });

  it('a faststart MP4 cut in half keeps what its moov says', async () => {
    cut('faststart.mp4', 'cutfast.mp4', 0.5);
    const { info, probes } = await read('cutfast.mp4');
    expect(probes).toBe(0);
    expect(info.creationTime?.toISOString()).toBe(CREATED.toISOString());
    expect(info.durationS).toBeGreaterThan(2.9);
    expect(info.warning).toMatch(/^DCIM\/cutfast\.mp4: file ends inside box mdat/);
  });

  it('a fragmented MP4 cut off mid-fragment is timed by its last whole fragment', async () => {
    cut('frag.mp4', 'cutfrag.mp4', 0.5);
    const whole = (await read('frag.mp4')).info.durationS as number;
    const { info, probes } = await read('cutfrag.mp4');
    expect(probes).toBe(0);
    expect(info.durationS).toBeGreaterThan(0);
    expect(info.durationS).toBeLessThanOrEqual(whole);
    expect(info.warning).toMatch(/^DCIM\/cutfrag\.mp4: file ends inside box/);
  });

  it('a zero-byte file: warned, no process', async () => {
    writeFileSync(p('empty.MP4'), '');
    const { info, probes } = await read('empty.MP4');
    expect(probes).toBe(0);
    expect(info).toEqual({ formatName: 'unknown', streams: [], warning: 'DCIM/empty.MP4: empty file (0 bytes): no media metadata' });
  });

  it('random bytes named .MP4: ffprobe tries exactly once, then a warning', async () => {
    writeFileSync(p('noise.MP4'), randomBytes(64 << 10));
    const { info, probes, warned } = await read('noise.MP4');
    expect(probes).toBe(1);
    expect(info.durationS).toBeUndefined();
    expect(info.warning).toMatch(/^DCIM\/noise\.MP4: not readable as media: ffprobe exited with code 1/);
    expect(warned).toHaveLength(1);
  });

  it('a FIFO: refused at once (no wait for a writer), warned, no process', async () => {
    execFileSync('mkfifo', [p('stuck.MP4')]);
    const { info, probes } = await read('stuck.MP4');
    expect(probes).toBe(0);
    expect(info.warning).toMatch(/^DCIM\/stuck\.MP4: cannot be read: .*stuck\.MP4 is not a regular file$/);
  });

  it('a file that is not there: warned, not thrown', async () => {
    const { info, probes } = await read('missing.MP4');
    expect(probes).toBe(0);
    expect(info.warning).toMatch(/^DCIM\/missing\.MP4: cannot be read: .*ENOENT/);
  });
});

describe('formats not read in-process: ffprobe, exactly once per file', () => {
  it.each(['clip.avi', 'clip.ts'])('%s', async (name) => {
    const { info, probes, warned } = await read(name);
    expect(probes).toBe(1);
    expect(warned).toEqual([]);
    expect(info.durationS).toBeGreaterThan(2.9);
    expect(info).toEqual(await probeMedia(p(name)));
  });

  it('readMediaInfoFast starts no process and says a probe is needed; probeFallback is the one run', async () => {
    const before = toolRuns().ffprobe;
    const fast = await readMediaInfoFast(p('clip.avi'));
    expect(fast.needsProbe).toBe(true);
    expect(toolRuns().ffprobe - before).toBe(0);
    const info = await probeFallback(p('clip.avi'));
    expect(toolRuns().ffprobe - before).toBe(1);
    expect(info.formatName).toBe('avi');
    expect((await readMediaInfoFast(p('clip.mp4'))).needsProbe).toBe(false);
  });
});

describe('JPEG photos: EXIF time with offset and sub-seconds, or none', () => {
  const shot = new Date('2026-11-26T00:31:12Z');
  it.each([
    ['offset and sub-seconds', 'IMG_0001.JPG', { utcOffsetMinutes: 480, subSec: '042' }, '2026-11-26T00:31:12.042Z'],
    ['Motorola byte order', 'IMG_0002.JPG', { utcOffsetMinutes: -300, subSec: '5', bigEndian: true }, '2026-11-26T00:31:12.500Z'],
    // no OffsetTimeOriginal: the wall clock (08:31:12) is read in the station's zone (+08:00)
    ['no offset: station timezone', 'IMG_0003.JPG', { utcOffsetMinutes: 480, exif: 'no-offset' as const }, '2026-11-26T00:31:12.000Z'],
    ['no EXIF at all', 'IMG_0004.JPG', { exif: 'none' as const }, undefined],
  ])('%s', async (_label, name, opts, expected) => {
    await makePhoto(p(name), { when: shot, ...opts });
    const { info, probes, warned } = await read(name, '+08:00');
    expect(probes).toBe(0);
    expect(warned).toEqual([]);
    expect(info.creationTime?.toISOString()).toBe(expected);
    expect(info.durationS).toBeUndefined();
    await expectSameAsFfprobe(name, info);
  });

  it('the EXIF written is what ffmpeg\'s own decoder reads (a real EXIF block, not just ours)', async () => {
    const { stdout } = await runTool('ffprobe', ['-v', 'error', '-show_frames', '-of', 'json', p('IMG_0002.JPG')]);
    const tags = JSON.parse(stdout).frames[0].tags;
    expect(tags.DateTimeOriginal).toBe('2026:11:25 19:31:12');
    expect(tags['0x9011']).toBe('-05:00');
    expect(tags['0x9291'] ?? tags.SubSecTimeOriginal).toBe('5');
  });

  it.each([['IMG_0006.PNG', 'png'], ['IMG_0007.BMP', 'bmp']])('%s: recognised and sized, no time, no process', async (name, codec) => {
    await ffmpeg('-f', 'lavfi', '-i', 'testsrc2=size=160x120:rate=1:duration=1', '-frames:v', '1', '-c:v', codec, '-f', 'image2', p(name));
    const { info, probes, warned } = await read(name, '+08:00', 'photo');
    expect(probes).toBe(0);
    expect(warned).toEqual([]);
    expect(info.creationTime).toBeUndefined();
    await expectSameAsFfprobe(name, info);
  });

  it('random bytes named .JPG: no ffprobe for a photo (it reports no time for stills), a warning', async () => {
    writeFileSync(p('IMG_0008.JPG'), randomBytes(64 << 10));
    const { info, probes, warned } = await read('IMG_0008.JPG', '+08:00', 'photo');
    expect(probes).toBe(0);
    expect(info.warning).toBe('DCIM/IMG_0008.JPG: not a JPEG, PNG or BMP image: no metadata read');
    expect(warned).toEqual([info.warning]);
    expect((await read('IMG_0008.JPG')).probes).toBe(1); // not said to be a photo: ffprobe gets its try
  });

  it('a photo cut off before its image data still gives its EXIF time, with a warning', async () => {
    const jpeg = readFileSync(p('IMG_0001.JPG'));
    writeFileSync(p('IMG_0005.JPG'), jpeg.subarray(0, jpeg.indexOf(Buffer.from([0xff, 0xdb])) + 20)); // inside DQT
    const { info, probes } = await read('IMG_0005.JPG');
    expect(probes).toBe(0);
    expect(info.creationTime?.toISOString()).toBe('2026-11-26T00:31:12.042Z');
    expect(info.warning).toMatch(/^DCIM\/IMG_0005\.JPG: JPEG segment 0xFFDB .* cut off/);
  });
});

describe('WAV: duration from fmt and data, time from bext or LIST/INFO ICRD', () => {
  const tone = ['-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=16000:duration=2', '-ac', '1', '-c:a', 'pcm_s16le'];
  beforeAll(async () => {
    await Promise.all([
      ffmpeg(...tone, '-fflags', '+bitexact', '-f', 'wav', p('bare.wav')), // no LIST, no bext
      ffmpeg(...tone, '-f', 'wav', p('list.wav')), // LIST/INFO with ISFT only
      ffmpeg(...tone, '-metadata', 'date=2026-11-26 08:31:12', '-f', 'wav', p('icrd.wav')),
      ffmpeg(...tone, '-write_bext', '1', '-metadata', 'origination_date=2026-11-26', '-metadata', 'origination_time=08:31:12',
        '-metadata', 'date=2026-11-26T09:00:00', '-f', 'wav', p('bext.wav')),
      ffmpeg(...tone, '-rf64', 'always', '-f', 'wav', p('rf64.wav')),
    ]);
    // A recorder that was never stopped: written through a FIFO (no seeking back), the RIFF and
    // data sizes stay 0xFFFFFFFF.
    execFileSync('mkfifo', [p('wav.fifo')]);
    const copied = pipeline(createReadStream(p('wav.fifo')), createWriteStream(p('unstopped.wav')));
    await ffmpeg(...tone, '-f', 'wav', p('wav.fifo'));
    await copied;
  });

  it.each([
    ['bare.wav', undefined], ['list.wav', undefined], ['rf64.wav', undefined],
    ['icrd.wav', '2026-11-26T00:31:12.000Z'],
    ['bext.wav', '2026-11-26T00:31:12.000Z'], // bext wins over ICRD (09:00)
  ])('%s', async (name, created) => {
    const { info, probes, warned } = await read(name, '+08:00');
    expect(probes).toBe(0);
    expect(warned).toEqual([]);
    expect(info.creationTime?.toISOString()).toBe(created);
    expect(info.durationS).toBe(2);
    await expectSameAsFfprobe(name, info);
  });

  it('a WAV whose sizes were never written (recorder not stopped) is timed by its bytes, with a warning', async () => {
    expect(readFileSync(p('unstopped.wav')).readUInt32LE(4)).toBe(0xffffffff);
    const { info, probes } = await read('unstopped.wav');
    expect(probes).toBe(0);
    expect(info.durationS).toBe(2);
    expect(info.warning).toBe('DCIM/unstopped.wav: data chunk size never written (the recorder was not stopped)');
    await expectSameAsFfprobe('unstopped.wav', info);
  });

  it('a WAV cut off mid-data is timed by the samples present, with a warning', async () => {
    cut('bext.wav', 'cut.wav', 0.25);
    const { info, probes } = await read('cut.wav');
    expect(probes).toBe(0);
    expect(info.creationTime?.toISOString()).toBe('2026-11-26T00:31:12.000Z');
    expect(info.durationS).toBeGreaterThan(0.3);
    expect(info.durationS).toBeLessThan(0.6);
    expect(info.warning).toMatch(/^DCIM\/cut\.wav: data chunk cut off: \d+ of 64000 bytes present$/);
    await expectSameAsFfprobe('cut.wav', info);
  });
});
