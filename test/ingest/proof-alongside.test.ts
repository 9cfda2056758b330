// The disk proof alongside the copy (issue 8): while an ingest runs, a pass proves only full
// batches (a helper spawn per handful of files cost the copy more than it saved); a caller
// that is not ingesting drains whatever is left, also when it joins a pass already running.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { proveBacklog } from '../../src/ingest/proof-stage.js';
import { runBounded } from '../../src/dock/blockwatch.js';
import { PROFILES, station, type Station } from './dock-helpers.js';

const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = () => { const s = station(); stations.push(s); return s; };
const generic = PROFILES.find((p) => p.name === 'generic')!;

function camera(s: Station, n: number): string {
  const cam = path.join(s.dir, 'cam');
  fs.mkdirSync(path.join(cam, 'DCIM/100MEDIA'), { recursive: true });
  fs.writeFileSync(path.join(cam, 'DEVICE.ID'), 'serial=PAL0001\nbadge=000001\n');
  for (let i = 0; i < n; i++) fs.writeFileSync(path.join(cam, 'DCIM/100MEDIA', `IMG_${String(i).padStart(4, '0')}.JPG`), crypto.randomBytes(4096));
  return cam;
}

describe('disk proof alongside the copy', () => {
  it('a pass while ingesting leaves a small backlog for later; a draining caller proves it', async () => {
    const s = open();
    await ingestVolume({ root: camera(s, 5), profile: generic, config: s.config }, s);
    expect(s.custody.proofBacklog().objects).toBe(5);
    expect(await proveBacklog(s, { whileIngesting: true })).toEqual({ proved: 0, failed: [] });
    expect(s.custody.proofBacklog().objects).toBe(5);
    expect(await proveBacklog(s)).toEqual({ proved: 5, failed: [] });
    expect(s.custody.proofBacklog().objects).toBe(0);
  });

  it('a draining caller that joins a deferring pass gets the whole backlog proven', async () => {
    const s = open();
    await ingestVolume({ root: camera(s, 7), profile: generic, config: s.config }, s);
    const alongside = proveBacklog(s, { whileIngesting: true });
    const drain = proveBacklog(s); // joins the pass above
    expect(await drain).toEqual({ proved: 7, failed: [] });
    expect(await alongside).toEqual({ proved: 7, failed: [] });
    expect(s.custody.proofBacklog().objects).toBe(0);
  });

  it('proveAlongside: every object of the session is proven once the dock session drains', async () => {
    const s = open();
    const sum = await ingestVolume({ root: camera(s, 300), profile: generic, config: s.config, proveAlongside: true }, s);
    expect(sum.stored).toBe(300);
    await proveBacklog(s);
    expect(s.custody.sessionUnproved(sum.session)).toBe(0);
  });
});

describe('runBounded (mounts several at once)', () => {
  it('runs every task, never more than the limit at a time', async () => {
    let now = 0;
    let peak = 0;
    const done: number[] = [];
    const tasks = Array.from({ length: 10 }, (_, i) => async () => {
      now += 1; peak = Math.max(peak, now);
      await new Promise((r) => setTimeout(r, 5));
      now -= 1; done.push(i);
    });
    await runBounded(tasks, 3);
    expect(done.sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
    expect(peak).toBe(3);
  });
});
