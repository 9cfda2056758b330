// A dock whose session fails is tried again while the camera stays docked, and after the last try
// a dock-failed alert names the camera and the error (issue 7, defect 3). The failure is real: the
// store's tmp directory is replaced by a file, so the ingest cannot start.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnCli, runCli } from '../helpers/cli.js';
import { until as waitUntil } from '../helpers/wait.js';
import { tempDir, makeRandomVolume, writeConfig } from '../helpers/volumes.js';

const dir = tempDir('retry');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const until = <T>(what: string, fn: () => T | undefined, ms = 60_000) => waitUntil(what, fn, ms, 100);

async function daemonWithBrokenStore(name: string, delays: number[]) {
  const sub = path.join(dir, name);
  const dock = path.join(sub, 'dock');
  fs.mkdirSync(dock, { recursive: true });
  const cfg = writeConfig(sub, `dock:\n  roots: [${JSON.stringify(dock)}]\n  settleMs: 100\n  blockDevices: false\n  retryDelaysMs: ${JSON.stringify(delays)}\n`);
  const d = spawnCli(['--config', cfg.file, 'daemon']);
  let stderr = '';
  d.stderr.on('data', (b) => { stderr += String(b); });
  const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
  await until('daemon state', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
  const tmp = path.join(cfg.dataDir, 'store', 'tmp');
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(path.dirname(tmp), { recursive: true });
  fs.writeFileSync(tmp, 'not a directory');
  const cam = path.join(sub, 'staging', 'RTY0001');
  const rels = makeRandomVolume(cam, { serial: 'RTY0001', sizes: [1000, 2000] });
  fs.renameSync(cam, path.join(dock, 'RTY0001'));
  const alerts = () => JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout).openAlerts as { kind: string; message: string }[];
  return { cfg, d, exited, tmp, rels, alerts, stderr: () => stderr };
}

describe('a failed dock session', () => {
  it('is tried three times, then a dock-failed alert names the camera and the error', async () => {
    const t = await daemonWithBrokenStore('gives-up', [200, 200]);
    const failed = await until('dock-failed alert', () => t.alerts().find((a) => a.kind === 'dock-failed'));
    expect(failed.message).toMatch(/RTY0001/);
    expect(failed.message).toMatch(/3 tries/);
    expect(failed.message).toMatch(/ENOTDIR/);
    // stderr arrives on its own schedule: wait for the lines rather than race them.
    await until('the retry log lines', () => (/try 2, next in 0\.2 s/.test(t.stderr()) ? true : undefined), 10_000);
    expect(t.stderr()).toMatch(/try 1, next in 0\.2 s/);
    t.d.kill('SIGTERM');
    expect(await t.exited).toBe(0);
  });

  it('succeeds on a later try once the fault is gone, without an alert', async () => {
    const t = await daemonWithBrokenStore('recovers', [1500, 1500]);
    await until('first failure', () => (/try 1, next in/.test(t.stderr()) ? true : undefined));
    fs.rmSync(t.tmp);
    const rows = await until('recordings', () => {
      const r = runCli(['--config', t.cfg.file, 'recordings', 'list', '--json']);
      const list = r.code === 0 ? JSON.parse(r.stdout) as unknown[] : [];
      return list.length >= t.rels.length ? list : undefined;
    });
    expect(rows).toHaveLength(t.rels.length);
    expect(t.alerts().filter((a) => a.kind === 'dock-failed')).toEqual([]);
    t.d.kill('SIGTERM');
    expect(await t.exited).toBe(0);
  });
});
