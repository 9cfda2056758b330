import { describe, it, expect } from 'vitest';
import { parseWallClock, formatWallClock, parseFileName, mediaKindOf, zoneOffsetMinutes } from '../../src/profiles/filename.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';

describe('parseWallClock', () => {
  const cases: [string, string, string, string | undefined][] = [
    ['20261126_083000', 'YYYYMMDD_HHmmss', '+08:00', '2026-11-26T00:30:00.000Z'],
    ['20261126_083000', 'YYYYMMDD_HHmmss', '+00:00', '2026-11-26T08:30:00.000Z'],
    ['20260101_000000', 'YYYYMMDD_HHmmss', '-05:30', '2026-01-01T05:30:00.000Z'],
    ['2026-11-26 08:30:00', 'YYYY-MM-DD HH:mm:ss', '+08:00', '2026-11-26T00:30:00.000Z'],
    ['20260231_083000', 'YYYYMMDD_HHmmss', '+08:00', undefined], // 31 Feb
    ['20261326_083000', 'YYYYMMDD_HHmmss', '+08:00', undefined], // month 13
    ['20261126_246000', 'YYYYMMDD_HHmmss', '+08:00', undefined],
    ['20261126-083000', 'YYYYMMDD_HHmmss', '+08:00', undefined], // separator differs
    ['2026112_083000', 'YYYYMMDD_HHmmss', '+08:00', undefined], // too short
    ['2026A126_083000', 'YYYYMMDD_HHmmss', '+08:00', undefined],
  ];
  it.each(cases)('%s as %s in %s', (text, fmt, tz, want) => {
    expect(parseWallClock(text, fmt, tz)?.toISOString()).toBe(want);
  });

  it('round-trips with formatWallClock in the local zone', () => {
    const at = new Date('2026-07-04T12:34:56Z');
    const text = formatWallClock(at, 'YYYYMMDD_HHmmss', 'local');
    expect(parseWallClock(text, 'YYYYMMDD_HHmmss', 'local')?.toISOString()).toBe(at.toISOString());
  });

  it('rejects a malformed timezone by name', () => {
    expect(() => zoneOffsetMinutes('CST', new Date())).toThrow(/timezone/);
  });
});

describe('parseFileName (generic profile)', () => {
  const cases: [string, Record<string, unknown>][] = [
    ['20261126_083000_ABC1234_000123_0001.MP4',
      { start: '2026-11-26T00:30:00.000Z', serial: 'ABC1234', badge: '000123', seq: 1 }],
    ['20261126_083512_X6033AB_00A123_0042.JPG',
      { start: '2026-11-26T00:35:12.000Z', serial: 'X6033AB', badge: '00A123', seq: 42 }],
    ['20269999_083000_ABC1234_000123_0001.MP4', { serial: 'ABC1234', badge: '000123', seq: 1 }],
    ['VID_0001.MP4', {}],
  ];
  it.each(cases)('%s', (name, want) => {
    const f = parseFileName(GENERIC_PROFILE, name, '+08:00');
    expect({ ...f, start: f.start?.toISOString() }).toEqual({ start: undefined, ...want });
  });
});

describe('mediaKindOf', () => {
  it.each([['a.MP4', 'video'], ['b.jpg', 'photo'], ['c.M4A', 'audio'], ['d.txt', 'other'], ['noext', 'other']])(
    '%s → %s', (name, kind) => expect(mediaKindOf(name)).toBe(kind));
});
