// Small things a new user tried (issue 7, defect 16): each a clear error with the right exit code.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, runCli } from '../helpers/cli.js';
import { makeRandomVolume, objectPath, sha256File, tempDir, writeConfig } from '../helpers/volumes.js';

const dir = tempDir('hostile-cli');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Like runCli, but a hang is a failure after 30 s instead of a stuck test run. */
function run(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 30_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, timedOut: r.error !== undefined };
}

function config(name: string, text: string): string {
  const file = path.join(dir, `${name}.yaml`);
  fs.writeFileSync(file, text);
  return file;
}

describe('configuration values that cannot work', () => {
  it.each([['/proc/self'], ['/sys/kernel'], ['/dev/shm/evidock']])('dataDir %s: a config error, exit 2, even for status', (dataDir) => {
    const file = config('pseudo', `dataDir: ${dataDir}\n`);
    const r = run(['--config', file, 'status']);
    expect(r.timedOut).toBe(false);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dataDir: .*kernel pseudo file system/);
  });

  it('a dataDir reached through a link into /proc is refused too', () => {
    const link = path.join(dir, 'to-proc');
    fs.symlinkSync('/proc/self', link);
    const r = run(['--config', config('link', `dataDir: ${JSON.stringify(link)}\n`), 'status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/dataDir: .*leads to \/proc/);
  });

  it('a dataDir that is a file: names the key, exit 2 (not a raw ENOTDIR)', () => {
    const file = path.join(dir, 'a-file');
    fs.writeFileSync(file, 'x');
    for (const dataDir of [file, path.join(file, 'data')]) {
      const r = run(['--config', config('file', `dataDir: ${JSON.stringify(dataDir)}\n`), 'status']);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/: dataDir: .*is not a directory/);
      expect(r.stderr).not.toMatch(/ENOTDIR/);
    }
  });

  it.each([['+99:99'], ['+15:00'], ['-08:60'], ['+14:30']])('timezone %s is refused', (tz) => {
    const r = run(['--config', config('tz', `timezone: "${tz}"\n`), 'config', 'check']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/timezone/);
  });

  it.each([['+14:00'], ['-12:00'], ['+05:45'], ['local']])('timezone %s is accepted', (tz) => {
    const r = run(['--config', config('tzok', `dataDir: ${JSON.stringify(path.join(dir, 'd'))}\ntimezone: "${tz}"\n`), 'config', 'check']);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('command-line values', () => {
  const cfg = writeConfig(path.join(dir));
  it.each([
    [['recordings', 'list', '--limit', 'abc']], [['recordings', 'list', '--limit', '-1']], [['recordings', 'list', '--limit', '0']],
    [['recordings', 'list', '--limit', '1.5']], [['recordings', 'list', '--since', 'garbage']], [['recordings', 'list', '--until', '2026-13-45']],
    [['sessions', 'list', '--limit', 'abc']], [['sessions', 'list', '--limit', '-1']],
  ])('%j: usage error, exit 2', (args) => {
    const r = run(['--config', cfg.file, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--(limit|since|until)/);
  });

  it('valid values still work', () => {
    const r = run(['--config', cfg.file, 'recordings', 'list', '--limit', '5', '--since', '2026-11-26', '--until', '2026-11-27T00:00:00+08:00', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([]);
  });
});

describe('integrity', () => {
  it('a custody.db with a corrupt header: verify exits 3 naming the file', () => {
    const sub = path.join(dir, 'corrupt');
    fs.mkdirSync(sub);
    const cfg = writeConfig(sub);
    expect(runCli(['--config', cfg.file, 'status']).code).toBe(0);
    const db = path.join(cfg.dataDir, 'custody.db');
    const fd = fs.openSync(db, 'r+');
    fs.writeSync(fd, Buffer.from('this is no SQLite header!!'), 0, 26, 0);
    fs.closeSync(fd);
    const r = run(['--config', cfg.file, 'verify']);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`${db} is damaged`);
  });

  it('after verify finds a missing object: an open alert, and status remarks store vs custody', () => {
    const sub = path.join(dir, 'mismatch');
    fs.mkdirSync(sub);
    const cfg = writeConfig(sub);
    const cam = path.join(sub, 'cam');
    const rels = makeRandomVolume(cam, { serial: 'VRF0001', sizes: [1000, 2000, 3000] });
    expect(runCli(['--config', cfg.file, 'ingest', cam, '--json']).code).toBe(0);
    fs.rmSync(objectPath(cfg.dataDir, sha256File(path.join(cam, rels[0]!))));
    const v = runCli(['--config', cfg.file, 'verify']);
    expect(v.code).toBe(3);
    const st = JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout);
    expect(st.openAlerts).toEqual(expect.arrayContaining([expect.objectContaining({ kind: 'integrity', severity: 'critical',
      message: expect.stringMatching(/1 object\(s\) missing: [0-9a-f]{64}/) })]));
    expect(st.remarks).toEqual([expect.stringMatching(/store holds 2 object\(s\) but custody records 3/)]);
    const plain = runCli(['--config', cfg.file, 'status']).stdout;
    expect(plain).toMatch(/NOTE +the store holds 2 object\(s\) but custody records 3/);
  });
});
