import { access, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { topLevelDir, watchMountRoots, type MountWatcher, type VolumeEvent } from '../../src/dock/mountwatch.js';
import { tempDir } from './helpers.js';

const hasMarker = (dir: string) => access(path.join(dir, 'DEVICE.ID')).then(() => true, () => false);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function record(w: MountWatcher) {
  const log: { kind: string; at: number; ev: VolumeEvent }[] = [];
  w.on('volume', (ev: VolumeEvent) => log.push({ kind: 'volume', at: Date.now(), ev }));
  w.on('gone', (ev: VolumeEvent) => log.push({ kind: 'gone', at: Date.now(), ev }));
  w.on('error', (err) => { throw err; });
  return log;
}

async function until(cond: () => boolean, ms = 5000) {
  const end = Date.now() + ms;
  while (!cond() && Date.now() < end) await sleep(20);
}

describe('topLevelDir', () => {
  it.each([
    ['/media/ev/cam1', { root: '/media/ev', dir: '/media/ev/cam1' }],
    ['/media/ev/cam1/DCIM/x.MP4', { root: '/media/ev', dir: '/media/ev/cam1' }],
    ['/media/ev', undefined],
    ['/media/evil/cam', undefined],
    ['/other/cam', { root: '/other', dir: '/other/cam' }],
  ])('%s', (p, want) => expect(topLevelDir(['/media/ev', '/other'], p)).toEqual(want));
});

describe('watchMountRoots', () => {
  let t: ReturnType<typeof tempDir>;
  let root: string;
  let w: MountWatcher | undefined;
  beforeEach(async () => {
    t = tempDir('evidock-mw-');
    root = path.join(t.dir, 'media');
    await mkdir(root);
  });
  afterEach(async () => {
    await w?.close();
    w = undefined;
    t.cleanup();
  });

  it('announces a camera directory once, after it settles, and its removal', async () => {
    w = watchMountRoots([root], { isCamera: hasMarker, settleMs: 300 });
    const log = record(w);
    await w.ready;
    const cam = path.join(root, 'cam1');
    const t0 = Date.now();
    await mkdir(path.join(cam, 'DCIM'), { recursive: true });
    await writeFile(path.join(cam, 'DEVICE.ID'), 'serial=ABC1234\n');
    await until(() => log.length > 0);
    await sleep(500); // no second announcement
    expect(log.map((l) => [l.kind, l.ev])).toEqual([['volume', { dir: cam, root }]]);
    expect(log[0]!.at - t0).toBeGreaterThanOrEqual(300);

    await rm(cam, { recursive: true });
    await until(() => log.length > 1);
    expect(log.map((l) => l.kind)).toEqual(['volume', 'gone']);
    expect(log[1]!.ev).toEqual({ dir: cam, root });
  });

  it('waits while the directory keeps changing', async () => {
    w = watchMountRoots([root], { isCamera: hasMarker, settleMs: 300 });
    const log = record(w);
    await w.ready;
    const cam = path.join(root, 'cam2');
    await mkdir(cam);
    await writeFile(path.join(cam, 'DEVICE.ID'), 'serial=XYZ7654\n');
    const start = Date.now();
    for (let i = 0; i < 6; i++) { await sleep(100); await writeFile(path.join(cam, `f${i}`), 'x'); }
    const lastWrite = Date.now();
    await until(() => log.length > 0);
    expect(log).toHaveLength(1);
    expect(log[0]!.at - lastWrite).toBeGreaterThanOrEqual(250);
    expect(log[0]!.at - start).toBeGreaterThanOrEqual(850);
  });

  it('polls isCamera for a while: a mount over an empty dir makes no inotify event', async () => {
    let mounted = false; // stands in for a file system mounted over the directory
    w = watchMountRoots([root], { isCamera: async () => mounted, settleMs: 100, markerWaitMs: 3000, pollMs: 50 });
    const log = record(w);
    await w.ready;
    const cam = path.join(root, 'late');
    await mkdir(cam);
    await sleep(500);
    expect(log).toEqual([]);
    mounted = true;
    await until(() => log.length > 0);
    expect(log.map((l) => l.ev.dir)).toEqual([cam]);
  });

  it('ignores directories without the marker, plain files and removals of unannounced dirs', async () => {
    w = watchMountRoots([root], { isCamera: hasMarker, settleMs: 100, markerWaitMs: 300, pollMs: 50 });
    const log = record(w);
    await w.ready;
    await mkdir(path.join(root, 'not-a-camera'));
    await writeFile(path.join(root, 'stray.txt'), 'x');
    await sleep(800);
    await rm(path.join(root, 'not-a-camera'), { recursive: true });
    await sleep(300);
    expect(log).toEqual([]);
  });

  it('reports volumes already present at start', async () => {
    const cam = path.join(root, 'docked-before-start');
    await mkdir(cam);
    await writeFile(path.join(cam, 'DEVICE.ID'), 'serial=ABC1234\n');
    w = watchMountRoots([root], { isCamera: hasMarker, settleMs: 100 });
    const log = record(w);
    await w.ready;
    await until(() => log.length > 0);
    expect(log.map((l) => [l.kind, l.ev.dir])).toEqual([['volume', cam]]);
  });

  it('a removal before it settles announces nothing', async () => {
    w = watchMountRoots([root], { isCamera: hasMarker, settleMs: 400 });
    const log = record(w);
    await w.ready;
    const cam = path.join(root, 'blip');
    await mkdir(cam);
    await writeFile(path.join(cam, 'DEVICE.ID'), 'x');
    await sleep(100);
    await rm(cam, { recursive: true });
    await sleep(800);
    expect(log).toEqual([]);
  });
});
