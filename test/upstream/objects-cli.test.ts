// The object upstream without a server: the credentials file refused clearly (exit 2, named), the
// backlog in `status --json` and `upstream status`, the server away (exit 1, nothing lost), and the
// deduplicated upstream-late alert past alertAfterHours (real SQLite, real ingest, the real CLI).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { openCustody, upstreamObjects as q } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { createLogger, flushLogger } from '../../src/util/logger.js';
import { configSchema } from '../../src/config/schema.js';
import { bucketFor, CredentialsError, loadCredentials, MAX_ATTEMPTS, ObjectUpstream } from '../../src/upstream/objects/index.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { proveBacklog } from '../../src/ingest/proof-stage.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { runCli } from '../helpers/cli.js';
import { notRoot, skipUnless } from '../helpers/require.js';
import { makeRandomVolume, tempDir } from '../helpers/volumes.js';

const skip = skipUnless('object upstream CLI (ingest and upstream commands as the custodian)', notRoot());

let dir = '';
let cfg = '';
let creds = '';
let closedPort = 0;
const cli = (...args: string[]) => runCli(['--config', cfg, ...args]);

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as net.AddressInfo).port; s.close(() => resolve(p)); });
  });
}

describe.skipIf(skip)('object upstream: configuration, backlog and lateness', () => {
  beforeAll(async () => {
    dir = tempDir('upstream-cli');
    closedPort = await freePort(); // nothing listens there: the server is "away"
    creds = path.join(dir, 's3.yaml');
    fs.writeFileSync(creds, 'accessKeyId: AKIA\nsecretAccessKey: secret\n', { mode: 0o600 });
    cfg = path.join(dir, 'evidock.yaml');
    fs.writeFileSync(cfg, [
      `dataDir: ${path.join(dir, 'data')}`, 'timezone: "+00:00"',
      'upstream:', `  endpoint: http://127.0.0.1:${closedPort}`, '  bucket: evidence', `  credentialsFile: ${creds}`, '  station: st-cli', '',
    ].join('\n'));
    makeRandomVolume(path.join(dir, 'cam'), { serial: 'CLI0001', sizes: [10_000, 20_000, 30_000] });
    const ing = cli('ingest', path.join(dir, 'cam'));
    expect(ing.code, ing.stderr).toBe(0);
  }, 120_000);
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('refuses a missing, unreadable or world-readable credentials file, naming it (exit 2)', () => {
    const other = path.join(dir, 'open.yaml');
    fs.writeFileSync(other, 'accessKeyId: A\nsecretAccessKey: S\n', { mode: 0o644 });
    fs.chmodSync(other, 0o644);
    expect(() => loadCredentials(other)).toThrow(new CredentialsError(`upstream.credentialsFile ${other}: readable by everyone (mode 644); chmod 600 it`));
    expect(() => loadCredentials(path.join(dir, 'nope.yaml'))).toThrow(/nope\.yaml: missing/);
    const half = path.join(dir, 'half.yaml');
    fs.writeFileSync(half, 'accessKeyId: A\n', { mode: 0o600 });
    expect(() => loadCredentials(half)).toThrow(`upstream.credentialsFile ${half}: secretAccessKey missing (a YAML string)`);
    fs.chmodSync(creds, 0o644);
    try {
      const r = cli('upstream', 'sync');
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`upstream.credentialsFile ${creds}: readable by everyone`);
    } finally {
      fs.chmodSync(creds, 0o600);
    }
  });

  it('refuses an endpoint off the LAN (invariant 6: no outbound internet)', () => {
    for (const endpoint of ['http://s3.amazonaws.com', 'http://8.8.8.8:7480']) {
      const config = configSchema.parse({ upstream: { endpoint, bucket: 'evidence', credentialsFile: creds } });
      expect(() => bucketFor(config)).toThrow(`upstream.endpoint ${endpoint}: `);
    }
    const lan = bucketFor(configSchema.parse({ upstream: { endpoint: 'http://10.1.2.3:7480', bucket: 'evidence', credentialsFile: creds } }));
    expect(lan?.target.endpoint).toBe('http://10.1.2.3:7480');
    lan?.close();
  });

  it('status shows the backlog; sync with the server away fails (exit 1) and loses nothing', () => {
    const before = JSON.parse(cli('status', '--json').stdout) as { upstream: { queued: number; bytes: number; oldest: string | null } };
    expect(before.upstream).toMatchObject({ queued: 3, bytes: 60_000 });
    expect(before.upstream.oldest).not.toBeNull();
    const r = cli('upstream', 'sync');
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/server unreachable/);
    const after = JSON.parse(cli('upstream', 'status', '--json').stdout) as { objects: { queued: number; failed: number }; station: string };
    expect(after).toMatchObject({ station: 'st-cli', objects: { queued: 3, failed: 0 } });
    expect(cli('status').stdout).toMatch(/^upstream 3 objects \(60000 bytes\) waiting, oldest \d+(\.\d)? h; 0 in the bucket$/m);
  });

  it('raises one upstream-late alert once the oldest item is older than alertAfterHours, repeats counted', async () => {
    const dataDir = path.join(dir, 'data');
    let clock = new Date(Date.now() + 23 * 3_600_000);
    const custody = openCustody(dataDir, { now: () => clock });
    const logger = createLogger({ dataDir, console: false });
    const config = configSchema.parse({ timezone: '+00:00', upstream: { endpoint: `http://127.0.0.1:${closedPort}`, bucket: 'evidence', credentialsFile: creds } });
    const w = new ObjectUpstream({ custody, store: new ObjectStore(path.join(dataDir, 'store')), config: { ...config, upstream: config.upstream! },
      bucket: bucketFor(config)!, station: 'st-cli', logger, now: () => clock });
    try {
      await w.pass();
      expect(custody.listAlerts({ kind: 'upstream-late' })).toEqual([]); // 23 h: not yet
      clock = new Date(Date.now() + 25 * 3_600_000);
      w.checkLate();
      w.checkLate();
      const [late, ...more] = custody.listAlerts({ kind: 'upstream-late' });
      expect(more).toEqual([]);
      expect(late).toMatchObject({ severity: 'warning', subject: 'upstream', count: 2 });
      expect(late!.message).toMatch(/^3 object\(s\) \(60000 bytes\) not yet on the backend server; the oldest waits since .* \(2[45] h, more than 24 h\)$/);
      expect(q.backlog(custody.ctx())).toMatchObject({ objects: 3, failed: 0 });
    } finally {
      w.env.bucket.close();
      custody.close();
      await flushLogger(logger);
    }
  });
  it('an object that keeps failing (its local copy rotted) is retried with backoff, then stops with an alert until --retry', async () => {
    const dataDir = path.join(dir, 'rot');
    let clock = new Date();
    const custody = openCustody(dataDir, { now: () => clock });
    const store = new ObjectStore(path.join(dataDir, 'store'));
    const logger = createLogger({ dataDir, console: false });
    makeRandomVolume(path.join(dir, 'rot-cam'), { serial: 'ROT0001', sizes: [5_000] });
    await ingestVolume({ root: path.join(dir, 'rot-cam'), profile: GENERIC_PROFILE, config: { timezone: 'local', devices: [] } }, { custody, store, logger });
    await proveBacklog({ custody, store, logger });
    const [obj] = custody.listObjects();
    const file = store.pathFor(obj!.sha256);
    fs.chmodSync(file, 0o644);
    const fd = fs.openSync(file, 'r+'); fs.writeSync(fd, Buffer.from([0x55]), 0, 1, 100); fs.closeSync(fd); // one byte flipped
    const config = configSchema.parse({ upstream: { endpoint: `http://127.0.0.1:${closedPort}`, bucket: 'evidence', credentialsFile: creds } });
    const w = new ObjectUpstream({ custody, store, config: { ...config, upstream: config.upstream! }, bucket: bucketFor(config)!, station: 'st-rot', logger, now: () => clock });
    try {
      const waits: number[] = [];
      for (let n = 1; n <= MAX_ATTEMPTS; n++) {
        const r = await w.pass();
        expect(r).toMatchObject({ failed: 1, outage: null }); // the server is never asked: the local check comes first
        expect(await w.pass()).toMatchObject({ failed: 0 }); // not due again before its backoff
        const [it] = q.listQueue(custody.ctx());
        waits.push(Date.parse(it!.nextAt) - clock.getTime());
        expect(it).toMatchObject({ attempts: n, failed: n === MAX_ATTEMPTS, lastError: expect.stringContaining('does not match its SHA-256') });
        clock = new Date(Date.parse(it!.nextAt) + 1);
      }
      expect(waits.slice(0, 3)).toEqual([30_000, 60_000, 120_000]);
      expect(await w.pass()).toMatchObject({ failed: 0, stored: 0 }); // stopped: no more automatic tries
      const [alert] = custody.listAlerts({ kind: 'upstream-failed' });
      expect(alert).toMatchObject({ severity: 'critical', subject: `object ${obj!.sha256}` });
      expect(custody.listAudit({ event: 'upstream.object.failed' })).toHaveLength(1);
      expect(q.retryFailed(custody.ctx())).toBe(1);
      expect(q.listQueue(custody.ctx())[0]).toMatchObject({ attempts: 0, failed: false });
    } finally {
      w.env.bucket.close();
      custody.close();
      await flushLogger(logger);
    }
  });
});
