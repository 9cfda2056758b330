// Real ffmpeg output: the generators make what cameras write, and probeMedia reads it back.
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  makeClip, makeAudio, makePhoto, restampMedia, probeMedia, readTopLevelBoxes, runTool, MediaToolError,
} from '../../src/media/index.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'evidock-media-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const p = (name: string) => path.join(dir, name);

describe('makeClip', () => {
  const created = new Date('2026-11-26T00:30:00Z');
  it('makes an H.264+AAC MP4 whose duration and creation_time probe back', async () => {
    await makeClip(p('a.mp4'), { seconds: 3, creationTime: created });
    const info = await probeMedia(p('a.mp4'));
    expect(info.durationS).toBeGreaterThan(2.9);
    expect(info.durationS).toBeLessThan(3.2);
    expect(info.creationTime?.toISOString()).toBe(created.toISOString());
    expect(info.streams).toEqual([
      { type: 'video', codec: 'h264', width: 320, height: 240 },
      { type: 'audio', codec: 'aac' },
    ]);
  });

  it('puts moov after mdat, as a camera does', async () => {
    const types = (await readTopLevelBoxes(p('a.mp4'))).map((b) => b.type);
    expect(types[0]).toBe('ftyp');
    expect(types.indexOf('moov')).toBeGreaterThan(types.indexOf('mdat'));
    expect(types.indexOf('mdat')).toBeGreaterThan(0);
  });

  it('restamps a copy with a new creation_time: different bytes, same media', async () => {
    const later = new Date('2026-11-26T00:30:03Z');
    await restampMedia(p('a.mp4'), p('b.mp4'), later);
    const info = await probeMedia(p('b.mp4'));
    expect(info.creationTime?.toISOString()).toBe(later.toISOString());
    expect(readFileSync(p('b.mp4')).equals(readFileSync(p('a.mp4')))).toBe(false);
    const types = (await readTopLevelBoxes(p('b.mp4'))).map((b) => b.type);
    expect(types.indexOf('moov')).toBeGreaterThan(types.indexOf('mdat'));
  });

  it('honours the frame size', async () => {
    await makeClip(p('small.mp4'), { seconds: 1, creationTime: created, width: 160, height: 120 });
    expect((await probeMedia(p('small.mp4'))).streams[0]).toMatchObject({ width: 160, height: 120 });
  });
});

describe('makeAudio and makePhoto', () => {
  it('makes an AAC M4A with creation_time', async () => {
    const created = new Date('2026-11-26T00:40:00Z');
    await makeAudio(p('a.m4a'), { seconds: 2, creationTime: created });
    const info = await probeMedia(p('a.m4a'));
    expect(info.streams).toEqual([{ type: 'audio', codec: 'aac' }]);
    expect(info.durationS).toBeCloseTo(2, 0);
    expect(info.creationTime?.toISOString()).toBe(created.toISOString());
  });

  it('makes a small JPEG carrying the camera wall clock in EXIF', async () => {
    await makePhoto(p('a.jpg'), { when: new Date('2026-11-26T00:31:12Z'), utcOffsetMinutes: 480 });
    const info = await probeMedia(p('a.jpg'));
    expect(info.streams).toEqual([{ type: 'video', codec: 'mjpeg', width: 320, height: 240 }]);
    expect(info.durationS).toBeUndefined();
    // ffmpeg's own JPEG decoder reads the EXIF block back
    const { stdout } = await runTool('ffprobe', ['-v', 'error', '-show_frames', '-of', 'json', p('a.jpg')]);
    const tags = JSON.parse(stdout).frames[0].tags;
    expect(tags.DateTimeOriginal).toBe('2026:11:26 08:31:12');
    expect(tags['0x9011']).toBe('+08:00');
  });
});

describe('probeMedia failures', () => {
  it('names the file when ffprobe rejects it', async () => {
    writeFileSync(p('junk.MP4'), 'not a video');
    await expect(probeMedia(p('junk.MP4'))).rejects.toThrow(MediaToolError);
    await expect(probeMedia(p('junk.MP4'))).rejects.toThrow(/junk\.MP4/);
  });

  it('names a truncated clip (moov never written) and readTopLevelBoxes reports the cut', async () => {
    writeFileSync(p('cut.MP4'), readFileSync(p('a.mp4')).subarray(0, 20_000));
    await expect(probeMedia(p('cut.MP4'))).rejects.toThrow(/moov atom not found|cut\.MP4/);
    await expect(readTopLevelBoxes(p('cut.MP4'))).rejects.toThrow(/truncated box "mdat"/);
  });

  it('kills ffprobe when it hangs (reading a FIFO nobody writes)', async () => {
    execFileSync('mkfifo', [p('stuck.fifo')]);
    const t0 = Date.now();
    await expect(probeMedia(p('stuck.fifo'), { timeoutMs: 300 })).rejects.toThrow(/timed out after 300 ms on .*stuck\.fifo/);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
