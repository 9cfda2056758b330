// `evidock ingest` end to end on a simulated camera with real ffmpeg-made media.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli } from '../helpers/cli.js';
import { tempDir, sha256File, objectPath, writeConfig, listTemps } from '../helpers/volumes.js';

let dir: string;
let cam: string;
let cfg: { file: string; dataDir: string };
let sim: { serial: string; badge: string; files: { path: string; recordedStart: string }[] };

beforeAll(() => {
  dir = tempDir('ingest');
  cam = path.join(dir, 'cam');
  cfg = writeConfig(dir);
  const r = runCli(['sim', 'camera', cam, '--clips', '3', '--seconds', '2', '--photos', '2', '--audio', '1', '--json']);
  expect(r.code, r.stderr).toBe(0);
  sim = JSON.parse(r.stdout);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

type Rec = { id: number; sha256: string; size: number; device: string; badge: string; sourcePath: string; recordedStart: string; recordedEnd?: string | null; durationS?: number | null; mediaKind: string };
const list = (): Rec[] => JSON.parse(runCli(['--config', cfg.file, 'recordings', 'list', '--json']).stdout);

describe('evidock ingest', () => {
  it('stores, verifies and records every file of a camera', () => {
    const r = runCli(['--config', cfg.file, 'ingest', cam, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ device: sim.serial, files: sim.files.length, stored: sim.files.length, duplicates: 0, failed: 0, errors: [] });
    expect(typeof s.session).toBe('number');
    const rows = list();
    expect(rows).toHaveLength(sim.files.length);
    for (const f of sim.files) {
      const rel = path.relative(cam, path.resolve(cam, f.path));
      const row = rows.find((x) => x.sourcePath === rel);
      expect(row, rel).toBeDefined();
      const sha = sha256File(path.join(cam, rel));
      expect(row!.sha256).toBe(sha);
      expect(row!.size).toBe(fs.statSync(path.join(cam, rel)).size);
      expect(row!.device).toBe(sim.serial);
      expect(row!.badge).toBe(sim.badge);
      expect(Date.parse(row!.recordedStart)).toBe(Date.parse(f.recordedStart));
      const obj = objectPath(cfg.dataDir, sha);
      expect(fs.statSync(obj).mode & 0o777).toBe(0o444);
      if (row!.mediaKind === 'video') expect(row!.durationS).toBeGreaterThan(1.5);
    }
    expect(listTemps(cfg.dataDir)).toEqual([]);
  });

  it('re-ingesting the same volume stores nothing and adds no recording', () => {
    const before = list().length;
    const r = runCli(['--config', cfg.file, 'ingest', cam, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ stored: 0, alreadyRecorded: sim.files.length, failed: 0 });
    expect(list()).toHaveLength(before);
  });

  it('identical content under another name is stored once but recorded twice', () => {
    const src = sim.files.find((f) => f.path.endsWith('.JPG'))!;
    const rel = path.relative(cam, path.resolve(cam, src.path));
    const copy = rel.replace(/_(\d{4})\.JPG$/, '_9999.JPG');
    fs.copyFileSync(path.join(cam, rel), path.join(cam, copy));
    const r = runCli(['--config', cfg.file, 'ingest', cam, '--json']);
    expect(JSON.parse(r.stdout)).toMatchObject({ stored: 0, duplicates: 1, failed: 0 });
    const rows = list().filter((x) => x.sha256 === sha256File(path.join(cam, rel)));
    expect(rows.map((x) => x.sourcePath).sort()).toEqual([copy, rel].sort());
  });

  it('verify passes and status reports the store', () => {
    const v = runCli(['--config', cfg.file, 'verify', '--json']);
    expect(v.code, v.stderr).toBe(0);
    const rep = JSON.parse(v.stdout);
    expect(rep).toMatchObject({ objects: sim.files.length, missing: [], mismatched: [] });
    expect(rep.auditChain.ok).toBe(true);
    const st = runCli(['--config', cfg.file, 'status', '--json']);
    expect(st.code, st.stderr).toBe(0);
    expect(JSON.parse(st.stdout).store.objects).toBe(sim.files.length);
    // `evidock ingest` waited for the disk proof: nothing left to verify.
    expect(JSON.parse(st.stdout).verificationBacklog).toEqual({ objects: 0, bytes: 0 });
  });

  it('a path that is not a directory is a usage error', () => {
    const r = runCli(['--config', cfg.file, 'ingest', path.join(dir, 'nope')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope');
  });
});
