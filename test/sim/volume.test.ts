// A simulated camera volume on disk: real media, named, stamped and dated by the camera clock.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, readdirSync, mkdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCameraVolume, type SimResult } from '../../src/sim/index.js';
import { probeMedia, readTopLevelBoxes } from '../../src/media/index.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'evidock-simvol-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('createCameraVolume', () => {
  const dir = path.join(root, 'cam');
  let r: SimResult;
  beforeAll(async () => {
    r = await createCameraVolume(dir, {
      serial: 'ABC1234', badge: '000123', clips: 4, seconds: 3, photos: 2, audio: 1,
      start: '2026-11-26T00:30:00Z', gaps: [{ afterClip: 2, seconds: 120 }], clockOffset: -90, timezone: '+08:00',
    });
  });

  it('writes DEVICE.ID and the files it reports, with their hashes', () => {
    expect(readFileSync(path.join(dir, 'DEVICE.ID'), 'utf8')).toMatch(/^serial=ABC1234\nbadge=000123\nmodel=.+\nname=.+\nunit=.+\n$/);
    const onDisk = readdirSync(path.join(dir, 'DCIM/100MEDIA')).sort();
    expect(onDisk).toEqual(r.files.map((f) => f.path.replace('DCIM/100MEDIA/', '')).sort());
    expect(onDisk.filter((n) => n.endsWith('.MP4'))).toHaveLength(4);
    expect(onDisk.filter((n) => n.endsWith('.JPG'))).toHaveLength(2);
    expect(onDisk.filter((n) => n.endsWith('.M4A'))).toHaveLength(1);
    for (const f of r.files) {
      const bytes = readFileSync(path.join(dir, f.path));
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(f.sha256);
      expect(bytes.length).toBe(f.size);
    }
    expect(new Set(r.files.map((f) => f.sha256)).size).toBe(r.files.length); // every file distinct
  });

  it('names by the camera clock (true 08:30:00 +08:00, camera 90 s slow)', () => {
    const clips = r.files.filter((f) => f.kind === 'video');
    expect(clips.map((f) => path.basename(f.path))).toEqual([
      '20261126_082830_ABC1234_000123_0001.MP4',
      '20261126_082833_ABC1234_000123_0002.MP4',
      '20261126_083036_ABC1234_000123_0003.MP4', // 120 s interruption after clip 2
      '20261126_083039_ABC1234_000123_0004.MP4',
    ]);
    expect(clips[0]).toMatchObject({ recordedStart: '2026-11-26T00:30:00.000Z', cameraStart: '2026-11-26T00:28:30.000Z', seconds: 3 });
    expect(r).toMatchObject({ clockOffset: -90, serial: 'ABC1234', badge: '000123', gaps: [{ afterClip: 2, seconds: 120 }] });
  });

  it('stamps creation_time from the camera clock and keeps moov at the end of every clip', async () => {
    for (const f of r.files.filter((x) => x.kind !== 'photo')) {
      const abs = path.join(dir, f.path);
      const info = await probeMedia(abs);
      expect(info.creationTime?.toISOString()).toBe(f.cameraStart);
      expect(info.durationS).toBeGreaterThan(2.9);
      const types = (await readTopLevelBoxes(abs)).map((b) => b.type);
      expect(types.indexOf('moov')).toBeGreaterThan(types.indexOf('mdat'));
    }
  });

  it('sets each file\'s mtime to the camera end time', () => {
    for (const f of r.files) {
      const end = new Date(f.cameraStart).getTime() + (f.seconds ?? 0) * 1000;
      expect(statSync(path.join(dir, f.path)).mtimeMs).toBe(end);
    }
  });

  it('refuses a non-empty directory', async () => {
    const busy = path.join(root, 'busy');
    mkdirSync(busy);
    writeFileSync(path.join(busy, 'x'), '');
    await expect(createCameraVolume(busy, { clips: 1 })).rejects.toThrow(/non-empty directory/);
  });

  it('makes a 3-clip default volume quickly', async () => {
    const t0 = performance.now();
    const d = await createCameraVolume(path.join(root, 'quick'));
    const ms = performance.now() - t0;
    console.log(`default volume (3 clips × 4 s, 2 photos, 1 audio): ${ms.toFixed(0)} ms`);
    expect(d.files).toHaveLength(6);
    expect(ms).toBeLessThan(20_000);
  });
});
