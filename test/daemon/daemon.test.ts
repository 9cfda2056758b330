// The daemon: cameras appearing under a dock root are ingested, at most `concurrency` at once;
// SIGTERM mid-ingest leaves store and database consistent and a later ingest finishes the job.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { spawnCli, runCli } from '../helpers/cli.js';
import { until as waitUntil } from '../helpers/wait.js';
import { tempDir, makeRandomVolume, writeConfig, listTemps } from '../helpers/volumes.js';
import { openCustody } from '../../src/custody/index.js';

const dir = tempDir('daemon');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const until = <T>(what: string, fn: () => T | undefined, ms = 60_000) => waitUntil(what, fn, ms, 200);

describe('evidock daemon', () => {
  it('ingests cameras docked under a watched root and stops cleanly on SIGTERM', async () => {
    const dock = path.join(dir, 'dock1');
    fs.mkdirSync(dock);
    const cfg = writeConfig(path.join(dir), `dock:\n  roots: [${JSON.stringify(dock)}]\n  settleMs: 200\ningest:\n  concurrency: 2\n`);
    const d = spawnCli(['--config', cfg.file, 'daemon']);
    let stderr = '';
    d.stderr.on('data', (b) => { stderr += String(b); });
    const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
    await until('daemon state', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
    const staging = path.join(dir, 'staging');
    const expected: string[] = [];
    for (const [i, serial] of ['DMNA001', 'DMNB002', 'DMNC003'].entries()) {
      const cam = path.join(staging, serial);
      expected.push(...makeRandomVolume(cam, { serial, badge: `00010${i}`, sizes: [20_000, 30_000, 40_000] }).map((r) => `${serial}:${r}`));
      fs.renameSync(cam, path.join(dock, serial));
    }
    const rows = await until('all recordings', () => {
      const r = runCli(['--config', cfg.file, 'recordings', 'list', '--json']);
      const list = r.code === 0 ? JSON.parse(r.stdout) as { device: string; sourcePath: string }[] : [];
      return list.length >= expected.length ? list : undefined;
    });
    expect(rows.map((r) => `${r.device}:${r.sourcePath}`).sort()).toEqual(expected.sort());
    const st = JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout);
    expect(st.daemon.pid).toBe(d.pid);
    d.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json'))).toBe(false);
    const log = fs.readFileSync(path.join(cfg.dataDir, 'logs/evidock.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(log.some((l) => String(l.message).includes('evidock daemon stopped'))).toBe(true);
    expect(stderr).toContain('ingest complete');
  });

  it('SIGTERM in the middle of an ingest: clean stop, interrupted session, resumed later', async () => {
    const sub = path.join(dir, 'mid');
    const dock = path.join(sub, 'dock');
    fs.mkdirSync(dock, { recursive: true });
    const cfg = writeConfig(sub, `dock:\n  roots: [${JSON.stringify(dock)}]\n  settleMs: 100\n`);
    const cam = path.join(sub, 'staging', 'BIGCAM1');
    // Enough that the ingest is still copying when SIGTERM lands (12 × 24 MiB were all in before it, since issue 8).
    const rels = makeRandomVolume(cam, { serial: 'BIGCAM1', sizes: Array.from({ length: 40 }, () => 16 << 20) });
    // The camera's files written back first: the store shares this file system, and the ingest's
    // first durability barrier (one syncfs) would otherwise flush them too, so that no recording
    // showed before the whole camera was in.
    spawnSync('sync');
    const d = spawnCli(['--config', cfg.file, 'daemon']);
    const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
    await until('daemon state', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
    fs.renameSync(cam, path.join(dock, 'BIGCAM1'));
    // Read custody directly, every 20 ms: a CLI run per poll (~0.3 s) let the whole camera in before the SIGTERM.
    await until('first recording', () => {
      if (!fs.existsSync(path.join(cfg.dataDir, 'custody.db'))) return undefined;
      const c = openCustody(cfg.dataDir);
      try { return c.listRecordings().length > 0 ? true : undefined; } finally { c.close(); }
    }, 90_000, 20);
    d.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(listTemps(cfg.dataDir)).toEqual([]);
    const partial = JSON.parse(runCli(['--config', cfg.file, 'recordings', 'list', '--json']).stdout).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(rels.length);
    expect(runCli(['--config', cfg.file, 'verify']).code).toBe(0);
    const again = runCli(['--config', cfg.file, 'ingest', path.join(dock, 'BIGCAM1'), '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ alreadyRecorded: partial, stored: rels.length - partial });
  });
});
