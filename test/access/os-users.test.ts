// Who acts, with real OS accounts (root only): a service account owns the data, officers reach
// custody through sudo (the rule printed by `evidock deploy sudoers`) and see only what their role
// allows; nobody else reads custody.db or an object file; an unmapped user is refused (exit 4);
// --as by a non-root user is refused; a caller the mechanism cannot identify is refused.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { runCli, ROOT } from '../helpers/cli.js';
import { makeRandomVolume, objectPath, tempDir } from '../helpers/volumes.js';

const BIN = path.join(ROOT, 'bin/evidock');
const missing = (): string | undefined => {
  if (process.getuid?.() !== 0) return 'needs root (useradd, sudoers)';
  for (const tool of ['sudo', 'useradd', 'userdel', 'runuser', 'visudo']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  return undefined;
};
const why = missing();
if (why) console.log(`SKIP test/access/os-users.test.ts: ${why}`);
if (why && process.env.EVIDOCK_REQUIRE_ALL === '1') throw new Error(`EVIDOCK_REQUIRE_ALL: os-users test cannot run: ${why}`);

const tag = crypto.randomBytes(3).toString('hex');
const U = { svc: `evsvc${tag}`, off: `evoff${tag}`, cus: `evcus${tag}`, nob: `evnob${tag}` };
let dir = '';
let cfg = '';
let dataDir = '';
let sudoers = '';
const shas: Record<string, string[]> = {};

/** Runs bin/evidock as an OS user, as a login would (no inherited EVIDOCK_* environment). */
function as(user: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync('runuser', ['-u', user, '--', 'env', '-i', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), BIN, ...args],
    { encoding: 'utf8', cwd: dir });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(why !== undefined)('OS users through sudo', () => {
  beforeAll(() => {
    execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', U.svc]);
    for (const u of [U.off, U.cus, U.nob]) execFileSync('useradd', ['--no-create-home', '--shell', '/bin/sh', u]);
    dir = tempDir('os-users');
    fs.chmodSync(dir, 0o755); // the service account and the users must reach the config and bin/
    dataDir = path.join(dir, 'data');
    cfg = path.join(dir, 'evidock.yaml');
    fs.writeFileSync(cfg, [
      `dataDir: ${JSON.stringify(dataDir)}`,
      'unit: {code: "EAST", name: East}',
      'units: [{code: WEST, name: West}]',
      'access:', `  serviceUser: ${U.svc}`,
      'officers:',
      `  - {badge: A00001, name: Officer A, osUser: ${U.off}, roles: [officer]}`,
      `  - {badge: B00002, name: Custodian B, osUser: ${U.cus}, roles: [officer, custodian]}`,
      '  - {badge: C00003, name: Officer C, unit: WEST, roles: [officer]}',
      '',
    ].join('\n'));
    // Recordings of three officers, ingested by root.
    for (const [serial, badge] of [['CAMA001', 'A00001'], ['CAMB002', 'B00002'], ['CAMC003', 'C00003']] as const) {
      const cam = path.join(dir, `cam-${badge}`);
      const rels = makeRandomVolume(cam, { serial, badge, sizes: [2048, 4096] });
      shas[badge] = rels.map((r) => crypto.createHash('sha256').update(fs.readFileSync(path.join(cam, r))).digest('hex'));
      const r = runCli(['--config', cfg, 'ingest', cam, '--json']);
      expect(r.code, r.stderr).toBe(0);
    }
    const rule = runCli(['--config', cfg, 'deploy', 'sudoers']);
    expect(rule.code, rule.stderr).toBe(0);
    sudoers = `/etc/sudoers.d/evidock-test-${tag}`;
    fs.writeFileSync(`${sudoers}.tmp`, rule.stdout, { mode: 0o440 });
    execFileSync('visudo', ['-cf', `${sudoers}.tmp`]);
    fs.renameSync(`${sudoers}.tmp`, sudoers);
  }, 120_000);

  afterAll(() => {
    if (sudoers) fs.rmSync(sudoers, { force: true });
    for (const u of Object.values(U)) spawnSync('userdel', [u]);
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('the data belongs to the service account: directory 0700, custody.db 0600', () => {
    const svcUid = Number(execFileSync('id', ['-u', U.svc], { encoding: 'utf8' }));
    expect(fs.statSync(dataDir)).toMatchObject({ uid: svcUid });
    expect(fs.statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(fs.statSync(path.join(dataDir, 'custody.db')).mode & 0o777).toBe(0o600);
  });

  it('an officer sees only their own recordings, and cannot read custody.db or an object directly', () => {
    const r = as(U.off, ['--config', cfg, 'recordings', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = JSON.parse(r.stdout) as { badge: string; sha256: string }[];
    expect(rows.map((x) => x.badge)).toEqual(['A00001', 'A00001']);
    expect(rows.map((x) => x.sha256).sort()).toEqual([...shas.A00001!].sort());
    const ses = as(U.off, ['--config', cfg, 'sessions', 'list', '--json']);
    expect(ses.code, ses.stderr).toBe(0);
    expect((JSON.parse(ses.stdout) as { badge: string }[]).map((x) => x.badge)).toEqual(['A00001']);
    for (const file of [path.join(dataDir, 'custody.db'), objectPath(dataDir, shas.A00001![0]!)]) {
      const read = spawnSync('runuser', ['-u', U.off, '--', 'cat', file], { encoding: 'utf8' });
      expect(read.status).not.toBe(0);
      expect(read.stderr).toMatch(/Permission denied/);
    }
  });

  it('a custodian sees their unit (not another unit), and their verify is audited with their badge and OS user', () => {
    const r = as(U.cus, ['--config', cfg, 'recordings', 'list', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect([...new Set((JSON.parse(r.stdout) as { badge: string }[]).map((x) => x.badge))].sort()).toEqual(['A00001', 'B00002']);
    expect(as(U.off, ['--config', cfg, 'verify']).code).toBe(4); // an officer may not
    // Through sudo the service account could read custody's own files: they are never ingested.
    const keys = as(U.cus, ['--config', cfg, 'ingest', path.join(dataDir, 'store')]);
    expect(keys.code, keys.stderr).toBe(2);
    expect(keys.stderr).toMatch(/is inside dataDir/);
    const daemon = as(U.cus, ['--config', cfg, 'daemon']);
    expect(daemon.code).toBe(4);
    expect(daemon.stderr).toMatch(/not permitted: daemon/);
    const v = as(U.cus, ['--config', cfg, 'verify', '--json']);
    expect(v.code, v.stderr + v.stdout).toBe(0);
    const log = JSON.parse(runCli(['--config', cfg, 'audit', 'log', '--event', 'verify.run', '--json']).stdout) as { actor: string; osUser: string }[];
    expect(log.at(-1)).toMatchObject({ actor: 'B00002', osUser: U.cus });
  });

  it('a user not in the roster is refused (exit 4, audited) except --help, config check and sim', () => {
    const r = as(U.nob, ['--config', cfg, 'recordings', 'list']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(new RegExp(`not permitted: recordings.list: OS user ${U.nob} is not an active officer`));
    expect(as(U.nob, ['--help']).code).toBe(0);
    expect(as(U.nob, ['--config', cfg, 'config', 'check']).code).toBe(0);
    const camDir = tempDir('os-users-sim');
    fs.chmodSync(camDir, 0o777);
    try {
      const sim = as(U.nob, ['sim', 'camera', path.join(camDir, 'cam'), '--clips', '1', '--seconds', '1']);
      expect(sim.code, sim.stderr).toBe(0);
    } finally {
      fs.rmSync(camDir, { recursive: true, force: true });
    }
    const refused = JSON.parse(runCli(['--config', cfg, 'audit', 'log', '--event', 'access.refused', '--json']).stdout) as { actor: string; osUser: string; payload: { action: string } }[];
    expect(refused).toEqual(expect.arrayContaining([expect.objectContaining({ actor: U.nob, osUser: U.nob, payload: expect.objectContaining({ action: 'recordings.list' }) })]));
  });

  it('--as is refused for a non-root user; root --as BADGE is audited as root acting for the badge', () => {
    const r = as(U.off, ['--config', cfg, '--as', 'B00002', 'recordings', 'list']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/--as B00002: only root may act for another officer/);
    const v = runCli(['--config', cfg, '--as', 'B00002', 'verify', '--json']);
    expect(v.code, v.stderr).toBe(0);
    const log = JSON.parse(runCli(['--config', cfg, 'audit', 'log', '--event', 'verify.run', '--json']).stdout) as { actor: string; osUser: string }[];
    expect(log.at(-1)).toMatchObject({ actor: 'B00002', osUser: 'root' });
    expect(runCli(['--config', cfg, '--as', 'Z99999', 'recordings', 'list']).code).toBe(4);
  });

  it('refuses a caller it cannot identify: the service account without sudo, forged SUDO_* variables', () => {
    const svc = as(U.svc, ['--config', cfg, 'recordings', 'list']);
    expect(svc.code).toBe(4);
    expect(svc.stderr).toMatch(/cannot identify the caller/);
    const forged = as(U.off, ['--system-config', cfg, 'recordings', 'list'], { SUDO_UID: '0', SUDO_USER: 'root' });
    expect(forged.code).toBe(4);
    expect(forged.stderr).toMatch(/reaches it only through sudo/);
    const config = as(U.off, ['--config', cfg, 'recordings', 'list'], { SUDO_UID: '0', SUDO_USER: 'root' });
    expect(config.code).toBe(4);
    // Calling sudo directly: only custody commands, only the pinned configuration.
    const direct = (args: string[]) => spawnSync('runuser', ['-u', U.off, '--', 'sudo', '-n', '-u', U.svc, BIN, '--system-config', cfg, ...args], { encoding: 'utf8', cwd: dir });
    const sim = direct(['sim', 'camera', path.join(dataDir, 'x')]);
    expect(sim.status).toBe(4);
    expect(sim.stderr).toMatch(/not permitted: sim camera .*run it as yourself/);
    expect(fs.existsSync(path.join(dataDir, 'x'))).toBe(false);
    const other = path.join(ROOT, 'config/evidock.example.yaml'); // root-owned, but not the pinned one
    const twice = direct(['--system-config', other, 'recordings', 'list']);
    expect(twice.status).toBe(4);
    expect(twice.stderr).toMatch(/--system-config other than the one the sudo rule pins/);
    expect(direct(['recordings', 'list', '--json']).status).toBe(0);
    // Through sudo, a configuration of the user's choosing is not accepted either.
    const own = path.join(dir, 'mine.yaml');
    fs.writeFileSync(own, fs.readFileSync(cfg));
    const mine = as(U.off, ['--config', own, 'recordings', 'list']);
    expect(mine.code).toBe(4);
    expect(mine.stderr).toMatch(/no sudo rule lets/);
  });
});
