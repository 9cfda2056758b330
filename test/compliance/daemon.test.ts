// The daemon's side of compliance: a camera with two-day-old footage docked under a watched root →
// the late-upload and interruption alerts reach a webhook on 127.0.0.1 and a command hook by
// themselves; the schedules show in `status --json`; a run missed while the daemon was down is
// caught up once at the next start, and not again at the one after.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, spawnCli } from '../helpers/cli.js';
import { until as waitUntil } from '../helpers/wait.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';

const dir = tempDir('compliance-daemon');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const until = <T>(what: string, fn: () => T | undefined, ms = 90_000) => waitUntil(what, fn, ms, 250);

interface Schedule { name: string; cron: string; lastRun: string | null; nextRun: string | null; lastResult: string | null }

describe('compliance in the daemon', () => {
  it('delivers alerts by itself, shows its schedules and catches up a missed run once', async () => {
    const bodies: { kind: string; subject: string }[] = [];
    const server = http.createServer((req, res) => {
      let b = '';
      req.on('data', (d: Buffer) => { b += d.toString(); });
      req.on('end', () => { bodies.push(JSON.parse(b) as { kind: string; subject: string }); res.writeHead(200).end('ok'); });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const hook = path.join(dir, 'hook.jsonl');
    const dock = path.join(dir, 'dock');
    fs.mkdirSync(dock);
    const cfg = writeConfig(dir, [
      `dock:\n  roots: [${JSON.stringify(dock)}]\n  settleMs: 200\n  blockDevices: false`,
      'devices:\n  - {serial: "LATE001", badge: "000101"}',
      `alerts:\n  channels:\n    - {type: webhook, url: ${JSON.stringify(url)}, minSeverity: warning}\n    - {type: command, run: ${JSON.stringify(`cat >> '${hook}'`)}, kinds: [late-upload]}`,
      'schedules:\n  verify-sample: false\n  verify-full: false\n  digest: false\n  scan-not-docked: "0 3 1 1 *"\n',
    ].join('\n'));
    const cli = (...a: string[]) => runCli(['--config', cfg.file, ...a]);
    const start = async () => {
      const d = spawnCli(['--config', cfg.file, 'daemon']);
      const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
      await until('daemon state', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
      return async () => { d.kill('SIGTERM'); expect(await exited).toBe(0); };
    };
    const schedules = () => (JSON.parse(cli('status', '--json').stdout) as { schedules: Schedule[] }).schedules;

    let stop = await start();
    const staging = path.join(dir, 'staging', 'LATE001');
    const startAt = new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const sim = cli('sim', 'camera', staging, '--clips', '3', '--seconds', '2', '--photos', '0', '--audio', '0', '--start', startAt,
      '--gap-after', '1:45', '--serial', 'LATE001', '--badge', '000101');
    expect(sim.code, sim.stderr).toBe(0);
    fs.renameSync(staging, path.join(dock, 'LATE001'));
    await until('webhook got both alerts', () => (['late-upload', 'interruption'].every((k) => bodies.some((b) => b.kind === k)) ? true : undefined));
    await until('hook got the late upload', () => (fs.existsSync(hook) && fs.readFileSync(hook, 'utf8').includes('"late-upload"') ? true : undefined));
    const hookLines = fs.readFileSync(hook, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { kind: string; device: string });
    expect(hookLines).toEqual([expect.objectContaining({ kind: 'late-upload', device: 'LATE001' })]); // kinds filter
    // Retention's daily run and weekly digest are jobs of the same scheduler (issue 12).
    expect(schedules().map((s) => s.name)).toEqual(['retention-digest', 'retention-run', 'scan-late', 'scan-not-docked']);
    expect(schedules().every((s) => s.nextRun !== null && s.lastRun === null)).toBe(true);
    await stop();
    expect(bodies.filter((b) => b.kind === 'late-upload')).toHaveLength(1);

    // While stopped, scan-not-docked's next run passes.
    const db = new Database(path.join(cfg.dataDir, 'custody.db'));
    db.prepare("UPDATE schedule_runs SET next_run = '2026-01-01T03:00:00.000Z' WHERE name = 'scan-not-docked'").run();
    db.close();
    stop = await start();
    const ran = await until('missed run caught up', () => schedules().find((s) => s.name === 'scan-not-docked' && s.lastRun !== null));
    expect(ran.lastResult).toBe('ok: 0 camera(s) not docked');
    expect(Date.parse(ran.nextRun!)).toBeGreaterThan(Date.now());
    await stop();
    stop = await start();
    // A catch-up is decided and queued while the daemon starts, before it writes its state file.
    expect(schedules().find((s) => s.name === 'scan-not-docked')?.lastRun).toBe(ran.lastRun);
    await stop();
    const audit = JSON.parse(cli('audit', 'log', '--event', 'schedule.run', '--json').stdout) as unknown[];
    expect(audit).toHaveLength(1);
    server.close();
  }, 240_000);
});
