import { chmodSync, unlinkSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseSample, pickSample, SampleError, sampleSize, verifyStore } from '../../src/store/index.js';
import { sandbox, type Sandbox } from './helpers.js';

describe('parseSample', () => {
  it.each([
    ['10', { count: 10 }],
    ['1', { count: 1 }],
    [' 7 ', { count: 7 }],
    ['25%', { percent: 25 }],
    ['100%', { percent: 100 }],
    ['0.5%', { percent: 0.5 }],
  ])('%j → %j', (text, want) => {
    expect(parseSample(text)).toEqual(want);
  });

  it.each(['0', '-1', '101%', 'abc', '', '0%', '1.5', '10 %', '%', '1e3', '12abc'])('%j is a usage error naming --sample', (text) => {
    let err: unknown;
    try {
      parseSample(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SampleError);
    expect((err as SampleError).message).toMatch(/^--sample: /);
    expect((err as SampleError).exitCode).toBe(2);
  });
});

describe('sampleSize / pickSample', () => {
  it.each([
    [30, undefined, 30],
    [30, { count: 10 }, 10],
    [5, { count: 10 }, 5],
    [30, { percent: 10 }, 3],
    [10, { percent: 25 }, 3],
    [1, { percent: 1 }, 1],
    [0, { percent: 50 }, 0],
    [200, { percent: 0.5 }, 1],
    [30, { count: 2, percent: 50 }, 2],
  ])('total %i, sample %j → %i', (total, sample, want) => {
    expect(sampleSize(total, sample)).toBe(want);
  });

  it('rotates by offset and wraps around', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    expect(pickSample(items, { count: 2 })).toEqual(['a', 'b']);
    expect(pickSample(items, { count: 3, offset: 4 })).toEqual(['e', 'a', 'b']);
    expect(pickSample(items, { count: 2, offset: 7 })).toEqual(['c', 'd']);
    expect(pickSample([], { count: 2, offset: 3 })).toEqual([]);
  });
});

describe('verifyStore', () => {
  let sb: Sandbox;
  beforeEach(() => {
    sb = sandbox();
  });
  afterEach(() => sb.cleanup());

  it('reports ok, missing and mismatched objects of the sample, in the given order', async () => {
    const objs = [];
    for (let i = 0; i < 4; i++) {
      const r = await sb.store.ingestFile(sb.file(`f${i}`, 2000 + i));
      objs.push({ sha256: r.sha256, size: r.size, path: r.path });
    }
    const [a, b, c, d] = objs as [(typeof objs)[0], (typeof objs)[0], (typeof objs)[0], (typeof objs)[0]];
    unlinkSync(b.path);
    chmodSync(c.path, 0o644);
    writeFileSync(c.path, Buffer.alloc(c.size)); // same size, other bytes

    const list = objs.map(({ sha256, size }) => ({ sha256, size }));
    const seen: string[] = [];
    const all = await verifyStore(sb.store, list, undefined, { onResult: (h, r) => seen.push(`${h}:${r}`) });
    expect(all).toEqual({
      objects: 4,
      ok: 2,
      missing: [b.sha256],
      mismatched: [c.sha256],
      checkedHashes: [a.sha256, b.sha256, c.sha256, d.sha256],
    });
    expect(seen).toEqual([`${a.sha256}:ok`, `${b.sha256}:missing`, `${c.sha256}:mismatch`, `${d.sha256}:ok`]);

    const half = await verifyStore(sb.store, list, { percent: 50 });
    expect(half).toMatchObject({ objects: 2, ok: 1, missing: [b.sha256], mismatched: [] });

    const rotated = await verifyStore(sb.store, list, { count: 2, offset: 2 });
    expect(rotated).toMatchObject({ objects: 2, ok: 1, missing: [], mismatched: [c.sha256] });
    expect(rotated.checkedHashes).toEqual([c.sha256, d.sha256]);
  });
});
