// The daemon makes the station key on first start, syncs the roster as `system`, and signs a
// checkpoint of the head when it stops; `audit verify` then checks the chain against it.
import { afterAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, spawnCli } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';

const dir = tempDir('daemon-cp');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('daemon and checkpoints', () => {
  it('key on first start, roster synced as system, a checkpoint at stop that audit verify accepts', async () => {
    const cfg = writeConfig(dir, 'dock:\n  blockDevices: false\naudit:\n  station: dmn\nofficers:\n  - {badge: A00001, name: A, osUser: alice}\n');
    const d = spawnCli(['--config', cfg.file, 'daemon']);
    const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
    // The state file first (written after the daemon's roster sync: a `status` before it would sync the
    // roster itself, as root), then running as status sees it (the state file alone can appear before
    // the signal handlers are set).
    await until('daemon state', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined), 60_000, 200);
    await until('daemon running', () => {
      const st = runCli(['--config', cfg.file, 'status', '--json']);
      return st.code === 0 && JSON.parse(st.stdout).daemon?.pid === d.pid ? true : undefined;
    }, 60_000, 200);
    expect(fs.statSync(path.join(cfg.dataDir, 'keys/station.key')).mode & 0o777).toBe(0o600);
    d.kill('SIGTERM');
    expect(await exited).toBe(0);
    const files = fs.readdirSync(path.join(cfg.dataDir, 'checkpoints')).filter((f) => f.endsWith('.json'));
    expect(files).toHaveLength(1);
    const cp = JSON.parse(fs.readFileSync(path.join(cfg.dataDir, 'checkpoints', files[0]!), 'utf8')) as { seq: number; station: string };
    const log = JSON.parse(runCli(['--config', cfg.file, 'audit', 'log', '--json']).stdout) as { seq: number; actor: string; event: string }[];
    expect(log.filter((e) => e.event.startsWith('roster.')).map((e) => e.actor)).toEqual(['system', 'system']);
    expect(cp).toMatchObject({ station: 'dmn', seq: log.at(-1)!.seq });
    const journal = fs.readFileSync(path.join(cfg.dataDir, 'logs/evidock.log'), 'utf8');
    expect(journal).toMatch(/"message":"audit checkpoint".*"signature":"/);
    const v = runCli(['--config', cfg.file, 'audit', 'verify', '--json']);
    expect(v.code, v.stdout).toBe(0);
    expect(JSON.parse(v.stdout).checkpoints).toEqual({ count: 1, ok: 1, failed: [] });
  });
});
