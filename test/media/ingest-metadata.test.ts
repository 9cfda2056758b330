// `evidock ingest` of a camera whose file names carry no time: the recording times come from the
// media itself, read in-process; ffprobe (counted through a logging wrapper around the real one,
// EVIDOCK_FFPROBE) runs only for the file formats not read in-process, once each; cut-off and
// damaged files are still stored, with a warning naming them.
import { chmodSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeClip, makePhoto, runTool } from '../../src/media/index.js';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';

const dir = tempDir('ingest-metadata');
const cam = path.join(dir, 'cam');
const media = path.join(cam, 'DCIM/100MEDIA');
const probeLog = path.join(dir, 'ffprobe.log');
const wrapper = path.join(dir, 'ffprobe-logging');
let cfg: { file: string; dataDir: string };
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const CREATED = new Date('2026-11-26T00:30:00Z');
const ffmpeg = (...args: string[]) => runTool('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', '-y', ...args]);
const m = (name: string) => path.join(media, name);

beforeAll(async () => {
  mkdirSync(media, { recursive: true });
  cfg = writeConfig(dir);
  await makeClip(m('MOVI0001.MP4'), { seconds: 3, creationTime: CREATED });
  await Promise.all([
    makePhoto(m('IMG_0001.JPG'), { when: new Date('2026-11-26T00:31:12Z'), utcOffsetMinutes: 480, subSec: '250' }),
    makePhoto(m('IMG_0002.JPG'), { when: new Date('2026-11-26T00:31:20Z'), exif: 'none' }),
    ffmpeg('-i', m('MOVI0001.MP4'), '-map', '0', '-c', 'copy', '-f', 'avi', m('MOVI0002.AVI')),
    ffmpeg('-f', 'lavfi', '-i', 'sine=duration=2:sample_rate=16000', '-c:a', 'pcm_s16le', '-write_bext', '1',
      '-metadata', 'origination_date=2026-11-26', '-metadata', 'origination_time=08:40:00', '-f', 'wav', m('REC_0001.WAV')),
  ]);
  const clip = readFileSync(m('MOVI0001.MP4'));
  writeFileSync(m('MOVI0003.MP4'), clip.subarray(0, clip.length >> 1)); // cut in half: moov never written
  writeFileSync(m('MOVI0004.MP4'), '');
  writeFileSync(m('MOVI0005.MP4'), randomBytes(32 << 10));
  writeFileSync(m('IMG_0003.JPG'), randomBytes(32 << 10));
  // The real ffprobe, each run logged: counts the processes the ingest starts.
  writeFileSync(wrapper, `#!/bin/sh\necho run >> '${probeLog}'\nexec ffprobe "$@"\n`);
  chmodSync(wrapper, 0o755);
});

type Rec = { sourcePath: string; recordedStart: string; recordedEnd?: string | null; durationS?: number | null; startSource: string; size: number };

describe('ingest of a camera with untimed names', () => {
  let rows: Rec[];
  let stderr: string;
  beforeAll(() => {
    const r = runCli(['--config', cfg.file, 'ingest', cam, '--json'], { env: { EVIDOCK_FFPROBE: wrapper, TZ: 'UTC' } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ files: 9, stored: 9, failed: 0 });
    stderr = r.stderr;
    rows = JSON.parse(runCli(['--config', cfg.file, 'recordings', 'list', '--json']).stdout);
  });
  const row = (name: string) => {
    const found = rows.find((x) => x.sourcePath === `DCIM/100MEDIA/${name}`);
    expect(found, name).toBeDefined();
    return found as Rec;
  };

  it('stores every file, damaged ones included', () => {
    expect(rows).toHaveLength(9);
    for (const name of ['MOVI0003.MP4', 'MOVI0004.MP4', 'MOVI0005.MP4', 'IMG_0003.JPG']) expect(row(name).size).toBe(statSync(m(name)).size);
  });

  it('dates photos by EXIF (offset and sub-seconds), clips by mvhd, WAV by bext', () => {
    expect(row('IMG_0001.JPG')).toMatchObject({ startSource: 'creation_time' });
    expect(Date.parse(row('IMG_0001.JPG').recordedStart)).toBe(Date.parse('2026-11-26T00:31:12.250Z'));
    expect(row('MOVI0001.MP4')).toMatchObject({ startSource: 'creation_time' });
    expect(Date.parse(row('MOVI0001.MP4').recordedStart)).toBe(CREATED.getTime());
    expect(row('MOVI0001.MP4').durationS).toBeCloseTo(3, 1);
    // bext is the camera's wall clock, read in the configured zone (default: local, here UTC)
    expect(Date.parse(row('REC_0001.WAV').recordedStart)).toBe(Date.parse('2026-11-26T08:40:00Z'));
    expect(row('REC_0001.WAV').durationS).toBe(2);
  });

  it('falls back to mtime where the media has no time: a photo without EXIF, a cut-off clip', () => {
    expect(row('IMG_0002.JPG').startSource).toBe('mtime');
    expect(row('MOVI0003.MP4')).toMatchObject({ startSource: 'mtime', durationS: null });
  });

  it('runs ffprobe only for what it does not read itself: the AVI and the random bytes named .MP4, once each', () => {
    // (random bytes named .JPG get none: ffprobe reports no time or duration for a still image)
    expect(readFileSync(probeLog, 'utf8').trim().split('\n')).toHaveLength(2);
    expect(row('MOVI0002.AVI').durationS).toBeGreaterThan(2.9);
    expect(row('MOVI0002.AVI').startSource).toBe('mtime'); // AVI carries no creation_time here
  });

  it('warns about each damaged file by its name on the camera', () => {
    expect(stderr).toMatch(/warn .*DCIM\/100MEDIA\/MOVI0003\.MP4: .*no moov box/);
    expect(stderr).toMatch(/warn .*DCIM\/100MEDIA\/MOVI0004\.MP4: empty file/);
    expect(stderr).toMatch(/warn .*DCIM\/100MEDIA\/MOVI0005\.MP4: not readable as media/);
    expect(stderr).toMatch(/warn .*DCIM\/100MEDIA\/IMG_0003\.JPG: not a JPEG, PNG or BMP image/);
    expect(stderr).not.toMatch(/IMG_0002|MOVI0001|REC_0001/);
  });
});
