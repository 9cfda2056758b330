// parseFfprobeJson on ffprobe output recorded from real files (test/fixtures/ffprobe/README.md).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFfprobeJson, MediaProbeError, type MediaInfo } from '../../src/media/index.js';
import { ROOT } from '../helpers/cli.js';

const fixture = (name: string) => readFileSync(path.join(ROOT, 'test/fixtures/ffprobe', name), 'utf8');

describe('parseFfprobeJson on recorded output', () => {
  const cases: Array<[string, MediaInfo]> = [
    ['clip-mp4.json', {
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationS: 4,
      creationTime: new Date('2026-11-26T00:30:00Z'),
      streams: [{ type: 'video', codec: 'h264', width: 320, height: 240 }, { type: 'audio', codec: 'aac' }],
    }],
    ['audio-m4a.json', {
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationS: 3,
      creationTime: new Date('2026-11-26T00:40:00Z'),
      streams: [{ type: 'audio', codec: 'aac' }],
    }],
    // A still image: no duration (image2 reports one frame's), no creation_time tag.
    ['photo-jpeg.json', {
      formatName: 'image2',
      streams: [{ type: 'video', codec: 'mjpeg', width: 320, height: 240 }],
    }],
    ['clip-no-creation-time.json', {
      formatName: 'mov,mp4,m4a,3gp,3g2,mj2', durationS: 4,
      streams: [{ type: 'video', codec: 'h264', width: 320, height: 240 }, { type: 'audio', codec: 'aac' }],
    }],
  ];
  it.each(cases)('%s', (name, expected) => {
    expect(parseFfprobeJson(fixture(name), name)).toEqual(expected);
  });
});

describe('parseFfprobeJson rejects what is not a probe result, naming the file', () => {
  const bad: Array<[string, string, RegExp]> = [
    ['empty output', '', /no output for \/cam\/x\.MP4/],
    ['whitespace', ' \n', /no output for \/cam\/x\.MP4/],
    ['garbage', 'moov atom not found', /\/cam\/x\.MP4 is not JSON/],
    ['ffprobe on a non-media file', fixture('not-media.json'), /\/cam\/x\.MP4 has no "format" section/],
    ['array', '[]', /\/cam\/x\.MP4 has no "format" section/],
    ['format without name', '{"format":{}}', /\/cam\/x\.MP4 has no format_name/],
  ];
  it.each(bad)('%s', (_label, text, message) => {
    expect(() => parseFfprobeJson(text, '/cam/x.MP4')).toThrow(MediaProbeError);
    expect(() => parseFfprobeJson(text, '/cam/x.MP4')).toThrow(message);
  });
});

describe('parseFfprobeJson edge cases', () => {
  const doc = (format: object, streams: object[] = []) => JSON.stringify({ format, streams });
  it('takes creation_time from a stream when the container has none', () => {
    const info = parseFfprobeJson(doc({ format_name: 'mov', duration: '2.5' },
      [{ codec_type: 'video', codec_name: 'h264', tags: { creation_time: '2026-01-02T03:04:05.000000Z' } }]));
    expect(info.creationTime?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
    expect(info.durationS).toBe(2.5);
  });
  it('treats an epoch-zero or unparsable creation_time as absent', () => {
    expect(parseFfprobeJson(doc({ format_name: 'mov', tags: { creation_time: '1970-01-01T00:00:00.000000Z' } })).creationTime)
      .toBeUndefined();
    expect(parseFfprobeJson(doc({ format_name: 'mov', tags: { creation_time: 'yesterday' } })).creationTime)
      .toBeUndefined();
  });
  it('drops data and subtitle streams and a non-numeric duration', () => {
    const info = parseFfprobeJson(doc({ format_name: 'mov', duration: 'N/A' },
      [{ codec_type: 'data', codec_name: 'bin_data' }, { codec_type: 'audio', codec_name: 'pcm_s16le' }]));
    expect(info).toEqual({ formatName: 'mov', streams: [{ type: 'audio', codec: 'pcm_s16le' }] });
  });
});
