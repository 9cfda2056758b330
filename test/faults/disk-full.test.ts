// Fault: the store's file system fills up mid-session (a 64 MiB ext4 image). Expected: ingest
// pauses (for every camera), one `store-full` alert, nothing half-stored, the camera untouched,
// and the session resumes by itself and completes once space is freed.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/store/index.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { roomFor } from '../../src/store/space.js';
import { PROFILES, station, type Station } from '../ingest/dock-helpers.js';
import { makeStoreFs, missingForStoreFs } from './store-fs.js';
import { until } from '../helpers/wait.js';

const generic = PROFILES.find((p) => p.name === 'generic')!;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('roomFor (pure)', () => {
  it.each([[10, 4, 5, true], [10, 6, 5, false], [10, 0, 10, true], [3, 4, 0, false]])('free %d need %d min %d → %s', (f, n, m, w) => {
    expect(roomFor(f, n, m)).toBe(w);
  });
});

describe('disk full', () => {
  it.each([
    ['ENOSPC', 0],
    ['below storage.minFreeGiB', 8 / 1024],
  ])('%s: pauses with one store-full alert, camera untouched, resumes when space is freed', async (why, minFreeGiB) => {
    const missing = missingForStoreFs();
    if (missing) { console.log(`skip disk-full fault test: ${missing}`); return; }
    const s: Station = station({ storage: { minFreeGiB } });
    cleanups.push(() => s.close());
    const sfs = await makeStoreFs(s.dir, 64);
    cleanups.push(() => sfs.close());
    const store = new ObjectStore(path.join(sfs.mnt, 'store'));
    // Ballast takes most of the space; the camera's 12 × 3 MiB do not fit beside it.
    const ballast = path.join(sfs.mnt, 'ballast');
    fs.writeFileSync(ballast, crypto.randomBytes(40 << 20));

    const cam = path.join(s.dir, 'cam');
    fs.mkdirSync(path.join(cam, 'DCIM/100MEDIA'), { recursive: true });
    fs.writeFileSync(path.join(cam, 'DEVICE.ID'), 'serial=FUL0001\nbadge=000001\n');
    const files = new Map<string, string>();
    for (let i = 1; i <= 12; i++) {
      const body = crypto.randomBytes(3 << 20);
      const rel = `DCIM/100MEDIA/MOV_${String(i).padStart(4, '0')}.MP4`;
      fs.writeFileSync(path.join(cam, rel), body);
      files.set(rel, sha(body));
    }
    const running = ingestVolume({ root: cam, profile: { ...generic, files: ['DCIM/**/*.MP4'] }, config: s.config }, { ...s, store });
    let outcome: unknown;
    running.then((r) => { outcome = r; }, (e: unknown) => { outcome = e; });
    await until('a store-full alert', () => s.custody.listAlerts().find((a) => a.kind === 'store-full'), 60_000);
    // Copies already past the gate finish or hit ENOSPC (their temp removed); then all wait.
    await until('in-flight copies to settle', () => (fs.readdirSync(store.tmpDir).length === 0 ? true : undefined), 60_000);
    await new Promise((r) => setTimeout(r, 500));
    expect(fs.readdirSync(store.tmpDir)).toEqual([]); // nothing half-stored while paused
    const storedAtPause = (await store.usage()).objects;
    expect(storedAtPause).toBeGreaterThan(0);
    expect(storedAtPause).toBeLessThan(files.size);
    expect(outcome).toBeUndefined(); // paused, not ended
    const session = s.custody.listSessions({ running: true })[0]!;
    expect(session.status).toBe('running');
    // Camera untouched while paused.
    for (const [rel, h] of files) expect(sha(fs.readFileSync(path.join(cam, rel)))).toBe(h);

    fs.rmSync(ballast);
    const sum = await running;
    expect(sum).toMatchObject({ status: 'complete', failed: 0, stored: files.size });
    expect(s.custody.listAlerts().filter((a) => a.kind === 'store-full')).toHaveLength(1);
    expect(s.custody.listAudit({ event: 'store.resumed' })).toHaveLength(1);
    const recs = s.custody.listRecordings();
    expect(new Map(recs.map((r) => [r.sourcePath, r.sha256]))).toEqual(files);
    sfs.remount(); // from the disk, not the page cache
    for (const r of recs) expect(await store.verifyObject(r.sha256, r.size)).toBe('ok');
    for (const [rel, h] of files) expect(sha(fs.readFileSync(path.join(cam, rel)))).toBe(h);
    console.log(`FAULT-SUMMARY ${JSON.stringify({ kind: `disk-full${minFreeGiB ? '-min-free' : ''}`, rounds: 1, landedMidCopy: storedAtPause > 0 ? 1 : 0, lost: 0, duplicated: recs.length - files.size })}`);
  }, 120_000);

  it('two cameras at once: both pause, one store-full alert in all, both complete after space is freed', async () => {
    const missing = missingForStoreFs();
    if (missing) { console.log(`skip disk-full fault test (two cameras): ${missing}`); return; }
    const s: Station = station({ storage: { minFreeGiB: 0 } });
    cleanups.push(() => s.close());
    const sfs = await makeStoreFs(s.dir, 64);
    cleanups.push(() => sfs.close());
    const store = new ObjectStore(path.join(sfs.mnt, 'store'));
    const ballast = path.join(sfs.mnt, 'ballast');
    fs.writeFileSync(ballast, crypto.randomBytes(44 << 20));
    const cams = ['FUL0002', 'FUL0003'].map((serial) => {
      const cam = path.join(s.dir, serial);
      fs.mkdirSync(path.join(cam, 'DCIM/100MEDIA'), { recursive: true });
      fs.writeFileSync(path.join(cam, 'DEVICE.ID'), `serial=${serial}\nbadge=000001\n`);
      for (let i = 1; i <= 6; i++) fs.writeFileSync(path.join(cam, `DCIM/100MEDIA/MOV_000${i}.MP4`), crypto.randomBytes(2 << 20));
      return cam;
    });
    const runs = cams.map((cam) => ingestVolume({ root: cam, profile: { ...generic, files: ['DCIM/**/*.MP4'] }, config: s.config }, { ...s, store }));
    await until('a store-full alert', () => s.custody.listAlerts().find((a) => a.kind === 'store-full'), 60_000);
    await until('in-flight copies to settle', () => (fs.readdirSync(store.tmpDir).length === 0 ? true : undefined), 60_000);
    expect(s.custody.listSessions({ running: true })).toHaveLength(2); // both paused, neither ended
    fs.rmSync(ballast);
    const sums = await Promise.all(runs);
    for (const sum of sums) expect(sum).toMatchObject({ status: 'complete', failed: 0, stored: 6 });
    expect(s.custody.listAlerts().filter((a) => a.kind === 'store-full')).toHaveLength(1);
    console.log(`FAULT-SUMMARY ${JSON.stringify({ kind: 'disk-full-two-cameras', rounds: 1, landedMidCopy: 1, lost: 0, duplicated: s.custody.listRecordings().length - 12 })}`);
  }, 120_000);
});
