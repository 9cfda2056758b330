// One daemon per dataDir (issue 7, defect 15): a second daemon refuses to start (exit 1, naming
// the holder's pid), status says running while one runs, and the lock dies with its holder.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { spawnCli, runCli, ROOT } from '../helpers/cli.js';
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

describe('the daemon lock without flock(1) (a minimal busybox system has none)', () => {
  it('falls back to an exclusive pid file checked by pid and start time', async () => {
    const data = path.join(dir, 'noflock');
    const bin = path.join(dir, 'bin-noflock');
    fs.mkdirSync(bin, { recursive: true });
    for (const tool of ['sh', 'cat', 'true']) fs.symlinkSync(`/bin/${tool}`, path.join(bin, tool));
    const lockJs = path.join(ROOT, 'dist/daemon/lock.js');
    const script = `const { acquireDaemonLock } = await import(${JSON.stringify(lockJs)});
      try { await acquireDaemonLock(${JSON.stringify(data)}); console.log('held'); }
      catch (e) { console.log('refused: ' + e.message); process.exit(1); }
      setInterval(() => {}, 1000);`;
    const holder = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, PATH: bin } });
    const first = await new Promise<string>((r) => holder.stdout.once('data', (b) => r(String(b))));
    expect(first).toContain('held');
    expect(fs.existsSync(path.join(data, 'run', 'daemon.lock'))).toBe(false); // no flock: the pid file is the lock
    const second = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, PATH: bin } });
    const out = await new Promise<string>((r) => second.stdout.once('data', (b) => r(String(b))));
    expect(out).toContain(`refused: another evidock daemon (pid ${holder.pid}) is running`);
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    const third = spawn(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, PATH: bin } });
    expect(await new Promise<string>((r) => third.stdout.once('data', (b) => r(String(b))))).toContain('held');
    third.kill('SIGKILL');
  });
});
