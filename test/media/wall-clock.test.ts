// The instant named by EXIF, Broadcast-WAV and RIFF INFO times (pure rules, table-driven).
import { describe, expect, it } from 'vitest';
import { bextInstant, exifInstant, riffDateInstant, type ExifTimeFields } from '../../src/media/wall-clock.js';

describe('exifInstant', () => {
  const cases: [string, ExifTimeFields, string, string | undefined][] = [
    ['offset from OffsetTimeOriginal', { DateTimeOriginal: '2026:11:26 08:31:12', OffsetTimeOriginal: '+08:00' }, 'local', '2026-11-26T00:31:12.000Z'],
    ['negative offset', { DateTimeOriginal: '2026:11:25 19:31:12', OffsetTimeOriginal: '-05:00' }, '+08:00', '2026-11-26T00:31:12.000Z'],
    ['no offset: the station zone', { DateTimeOriginal: '2026:11:26 08:31:12' }, '+08:00', '2026-11-26T00:31:12.000Z'],
    ['blank offset (unknown) is no offset', { DateTimeOriginal: '2026:11:26 08:31:12', OffsetTimeOriginal: '   :  ' }, '+01:00', '2026-11-26T07:31:12.000Z'],
    ['sub-seconds "042"', { DateTimeOriginal: '2026:11:26 08:31:12', OffsetTimeOriginal: '+08:00', SubSecTimeOriginal: '042' }, 'local', '2026-11-26T00:31:12.042Z'],
    ['sub-seconds "5" is half a second', { DateTimeOriginal: '2026:11:26 08:31:12', OffsetTimeOriginal: '+08:00', SubSecTimeOriginal: '5' }, 'local', '2026-11-26T00:31:12.500Z'],
    ['sub-seconds "123456" keeps milliseconds', { DateTimeOriginal: '2026:11:26 08:31:12', OffsetTimeOriginal: '+08:00', SubSecTimeOriginal: '123456' }, 'local', '2026-11-26T00:31:12.123Z'],
    ['trailing NUL and spaces', { DateTimeOriginal: '2026:11:26 08:31:12\0', OffsetTimeOriginal: '+08:00 ' }, 'local', '2026-11-26T00:31:12.000Z'],
    ['unset camera clock', { DateTimeOriginal: '0000:00:00 00:00:00' }, '+08:00', undefined],
    ['blank date', { DateTimeOriginal: '    :  :     :  :  ' }, '+08:00', undefined],
    ['impossible date', { DateTimeOriginal: '2026:02:31 08:31:12' }, '+08:00', undefined],
    ['digitized time when the original is unset',
      { DateTimeOriginal: '0000:00:00 00:00:00', CreateDate: '2026:11:26 08:31:13', OffsetTimeDigitized: '+08:00', SubSecTimeDigitized: '1' },
      'local', '2026-11-26T00:31:13.100Z'],
    ['IFD0 DateTime last', { ModifyDate: '2026:11:26 08:31:14', OffsetTime: '+08:00' }, 'local', '2026-11-26T00:31:14.000Z'],
    ['the original wins over the others', { DateTimeOriginal: '2026:11:26 08:31:12', CreateDate: '2026:11:26 09:00:00', ModifyDate: '2026:11:27 10:00:00' }, '+08:00', '2026-11-26T00:31:12.000Z'],
    ['nothing', {}, '+08:00', undefined],
  ];
  it.each(cases)('%s', (_label, fields, zone, expected) => {
    expect(exifInstant(fields, zone)?.toISOString()).toBe(expected);
  });
});

describe('bextInstant', () => {
  it.each([
    ['2026-11-26', '08:31:12', '+08:00', '2026-11-26T00:31:12.000Z'],
    ['2026:11:26', '08-31-12', '+00:00', '2026-11-26T08:31:12.000Z'], // EBU allows any separator
    ['2026_11_26', '08.31.12', '-03:30', '2026-11-26T12:01:12.000Z'],
    ['\0\0\0\0\0\0\0\0\0\0', '\0\0\0\0\0\0\0\0', '+08:00', undefined], // not filled in
    ['2026-13-26', '08:31:12', '+08:00', undefined],
  ])('%j %j in %s', (date, time, zone, expected) => {
    expect(bextInstant(date, time, zone)?.toISOString()).toBe(expected);
  });
});

describe('riffDateInstant (LIST/INFO ICRD)', () => {
  it.each([
    ['2026-11-26 08:31:12', '+08:00', '2026-11-26T00:31:12.000Z'],
    ['2026-11-26T08:31:12\0', '+08:00', '2026-11-26T00:31:12.000Z'],
    ['2026-11-26T00:31:12Z', '+08:00', '2026-11-26T00:31:12.000Z'],
    ['2026-11-26T08:31:12.25+08:00', 'local', '2026-11-26T00:31:12.250Z'],
    ['2026-11-26T08:31:12+0800', 'local', '2026-11-26T00:31:12.000Z'],
    ['2026:11:26 08:31:12', '+08:00', '2026-11-26T00:31:12.000Z'],
    ['2026-11-26', '+08:00', undefined], // a day is not a recording time
    ['Thursday', '+08:00', undefined],
    ['', '+08:00', undefined],
  ])('%j in %s', (text, zone, expected) => {
    expect(riffDateInstant(text, zone)?.toISOString()).toBe(expected);
  });
});
