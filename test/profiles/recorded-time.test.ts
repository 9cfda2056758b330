import { describe, it, expect } from 'vitest';
import { recordedTimes } from '../../src/ingest/recorded-time.js';

const T = (s: string) => new Date(s);
const mtime = Date.parse('2026-11-26T02:00:00Z');

describe('recordedTimes', () => {
  const cases: [string, Parameters<typeof recordedTimes>[0], { start: string; end?: string; source: string }][] = [
    ['name wins', { fromName: T('2026-11-26T01:00:00Z'), creationTime: T('2026-11-26T01:00:05Z'), mtimeMs: mtime, durationS: 60 },
      { start: '2026-11-26T01:00:00.000Z', end: '2026-11-26T01:01:00.000Z', source: 'filename' }],
    ['creation_time next', { creationTime: T('2026-11-26T01:00:05Z'), mtimeMs: mtime, durationS: 1.5 },
      { start: '2026-11-26T01:00:05.000Z', end: '2026-11-26T01:00:06.500Z', source: 'creation_time' }],
    ['invalid name date ignored', { fromName: new Date(NaN), mtimeMs: mtime },
      { start: '2026-11-26T02:00:00.000Z', source: 'mtime' }],
    ['mtime is the end when duration known', { mtimeMs: mtime, durationS: 30 },
      { start: '2026-11-26T01:59:30.000Z', end: '2026-11-26T02:00:00.000Z', source: 'mtime' }],
    ['photo: no duration, no end', { fromName: T('2026-11-26T01:00:00Z'), mtimeMs: mtime },
      { start: '2026-11-26T01:00:00.000Z', source: 'filename' }],
  ];
  it.each(cases)('%s', (_n, input, want) => {
    const r = recordedTimes(input);
    expect({ start: r.start.toISOString(), ...(r.end ? { end: r.end.toISOString() } : {}), source: r.source }).toEqual(want);
  });
});
