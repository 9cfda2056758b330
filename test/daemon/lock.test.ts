// One daemon per dataDir (issue 7, defect 15): a second daemon refuses to start (exit 1, naming
// the holder's pid), status says running while one runs, and the lock dies with its holder.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnCli, runCli } from '../helpers/cli.js';
import { until as waitUntil } from '../helpers/wait.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';

const dir = tempDir('lock');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const until = <T>(what: string, fn: () => T | undefined, ms = 60_000) => waitUntil(what, fn, ms, 100);

function startDaemon(cfgFile: string) {
  const d = spawnCli(['--config', cfgFile, 'daemon']);
  let stderr = '';
  d.stderr.on('data', (b) => { stderr += String(b); });
  const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
  return { d, exited, stderr: () => stderr };
}

describe('the daemon lock', () => {
  it('a second daemon on the same dataDir exits 1 naming the first one\'s pid; status says running', async () => {
    const cfg = writeConfig(dir, 'dock:\n  blockDevices: false\n');
    const first = startDaemon(cfg.file);
    await until('daemon state', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
    const second = runCli(['--config', cfg.file, 'daemon']);
    expect(second.code).toBe(1);
    expect(second.stderr).toContain(`another evidock daemon (pid ${first.d.pid}) is running`);
    // The refused daemon must not have disturbed the running one's state.
    const st = JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout);
    expect(st.daemon?.pid).toBe(first.d.pid);
    fs.rmSync(path.join(cfg.dataDir, 'run/daemon.json'));
    const plain = runCli(['--config', cfg.file, 'status']).stdout;
    expect(plain).toMatch(new RegExp(`daemon +running, pid ${first.d.pid}`));

    // Killed without a chance to clean up: the lock goes with it, a new daemon starts.
    first.d.kill('SIGKILL');
    await first.exited;
    const third = startDaemon(cfg.file);
    await until('third daemon', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
    expect(JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout).daemon?.pid).toBe(third.d.pid);
    third.d.kill('SIGTERM');
    expect(await third.exited).toBe(0);
    expect(runCli(['--config', cfg.file, 'status']).stdout).toMatch(/daemon +not running/);
  });
});
