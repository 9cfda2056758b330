// `evidock sim camera` as a user runs it (built CLI: run `tsc -p tsconfig.json` first).
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'evidock-simcli-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} missing: build with tsc -p tsconfig.json first`);
});

describe('evidock sim camera', () => {
  it('writes a volume and prints the JSON summary', () => {
    const dir = path.join(root, 'json');
    const r = runCli(['sim', 'camera', dir, '--clips', '3', '--seconds', '2', '--serial', 'CLI0001', '--badge', '000321',
      '--start', '2026-11-26T00:30:00Z', '--gap-after', '1:60', '--clock-offset', '-90', '--json'], { env: { TZ: 'Asia/Shanghai' } });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ dir, serial: 'CLI0001', badge: '000321', clockOffset: -90 });
    expect(out.files).toHaveLength(6);
    const clips = out.files.filter((f: { kind: string }) => f.kind === 'video');
    expect(clips.map((f: { path: string }) => path.basename(f.path))).toEqual([
      '20261126_082830_CLI0001_000321_0001.MP4', // TZ is the camera's zone; clock 90 s slow
      '20261126_082932_CLI0001_000321_0002.MP4', // 60 s gap after clip 1
      '20261126_082934_CLI0001_000321_0003.MP4',
    ]);
    expect(clips[0]).toMatchObject({ recordedStart: '2026-11-26T00:30:00.000Z', seconds: 2 });
    expect(readdirSync(path.join(dir, 'DCIM/100MEDIA')).sort()).toEqual(
      out.files.map((f: { path: string }) => path.basename(f.path)).sort());
  });

  it('prints a readable summary without --json and defaults to 3 clips, 2 photos, 1 audio', () => {
    const r = runCli(['sim', 'camera', path.join(root, 'plain'), '--serial', 'CLI0002']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^camera CLI0002, badge \d{6} → /);
    expect(r.stdout).toContain('3 clips, 2 photos, 1 audio');
  });

  it('writes a FAT32 image with --image --fs fat32', () => {
    const img = path.join(root, 'cam.img');
    const r = runCli(['sim', 'camera', '--image', img, '--fs', 'fat32', '--clips', '1', '--serial', 'CLI0003', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ image: img, fs: 'fat32', label: 'CAM_CLI0003' });
    expect(existsSync(img)).toBe(true);
  });

  it('takes an image path relative to the working directory', () => {
    const r = runCli(['sim', 'camera', '--image', 'rel.img', '--personality', 'labelled', '--serial', 'REL0001', '--clips', '1', '--json'], { cwd: root });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ image: path.join(root, 'rel.img'), label: 'REL0001' });
  });

  const usage: Array<[string, string[], RegExp]> = [
    ['an unknown personality', ['--personality', 'dashcam'], /dashcam.*invalid.*Allowed choices are generic, zfy, timeset, labelled/s],
    ['a zfy-only flag on another personality', ['--battery', '50'], /--battery only applies with --personality zfy/],
    ['an unknown filesystem', ['--image', path.join(root, 'x.img'), '--fs', 'ntfs'], /Allowed choices are fat32, exfat/],
    ['a malformed gap', ['--gap-after', '2'], /expected K:SECONDS/],
    ['a gap after the last clip', ['--gap-after', '3:10'], /gap clip number must be a whole number from 1 to 2/],
    ['a non-numeric clip count', ['--clips', 'many'], /expected a whole number/],
    ['a start that is not ISO 8601', ['--start', 'March 3'], /--start must be ISO 8601/],
    ['a short serial', ['--serial', 'AB1'], /serial must be 7/],
  ];
  it.each(usage)('exits 2 on %s', (_l, args, message) => {
    const r = runCli(['sim', 'camera', path.join(root, `u${Math.random().toString(36).slice(2)}`), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('exits 2 with neither a directory nor --image', () => {
    const r = runCli(['sim', 'camera']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/give a directory, or --image FILE/);
  });
});
