// Issue 8: a crash between the object write and the group commit leaves orphan object files
// (no `objects` row). The next ingest re-hashes each before trusting it: a good one is taken, a
// damaged one (what a power cut can leave of data that was not yet durable) is replaced.
// The crash is real: `evidock ingest` is SIGKILLed while its commit waits on a database lock the
// test holds, after the objects were linked into the store.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openCustody } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { spawnCli, runCli } from '../helpers/cli.js';
import { tempDir, writeConfig, objectPath } from '../helpers/volumes.js';
import { until } from '../helpers/wait.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('crash between object write and commit', () => {
  it('leaves orphans that the next ingest re-hashes before trusting them', async () => {
    const dir = tempDir('orphan'); dirs.push(dir);
    const cfg = writeConfig(dir, 'storage:\n  minFreeGiB: 0\n');
    const cam = path.join(dir, 'cam');
    fs.mkdirSync(path.join(cam, 'DCIM/100MEDIA'), { recursive: true });
    fs.writeFileSync(path.join(cam, 'DEVICE.ID'), 'serial=CRS0001\nbadge=000001\n');
    const bodies = [1, 2, 3].map((i) => {
      const b = crypto.randomBytes(24 << 20);
      fs.writeFileSync(path.join(cam, `DCIM/100MEDIA/MOV_000${i}.MP4`), b);
      return b;
    });
    openCustody(cfg.dataDir).close(); // schema in place, so the lock below is the only writer

    const child = spawnCli(['--config', cfg.file, 'ingest', cam, '--json']);
    const exited = new Promise((r) => child.on('exit', r));
    const db = new Database(path.join(cfg.dataDir, 'custody.db'));
    try {
      // As soon as the session exists, hold the write lock: the group commit waits for it.
      await until('the dock session', () => (db.prepare('SELECT count(*) AS n FROM dock_sessions').get() as { n: number }).n > 0 || undefined, 60_000, 5);
      db.exec('BEGIN IMMEDIATE');
      // better-sqlite3 waits synchronously (busy_timeout): once the first batch blocks on the lock
      // the child stops; kill it there.
      await until('an object linked into the store', () => bodies.some((b) => fs.existsSync(objectPath(cfg.dataDir, sha(b)))) || undefined, 60_000, 10);
      await new Promise((res) => setTimeout(res, 300));
      child.kill('SIGKILL');
      await exited;
      db.exec('ROLLBACK');
    } finally {
      db.close();
    }
    const custody = openCustody(cfg.dataDir);
    try {
      expect(custody.listRecordings()).toEqual([]);
      expect(custody.listObjects()).toEqual([]); // orphans: files without rows
    } finally {
      custody.close();
    }
    const orphans = bodies.filter((b) => fs.existsSync(objectPath(cfg.dataDir, sha(b))));
    expect(orphans.length).toBeGreaterThan(0);
    // One orphan lost its data (as a power cut can do to bytes not yet durable).
    const victim = orphans[0]!;
    const damaged = objectPath(cfg.dataDir, sha(victim));
    fs.chmodSync(damaged, 0o644);
    fs.truncateSync(damaged, 1000);

    const r = runCli(['--config', cfg.file, 'ingest', cam, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'complete', failed: 0, verified: true });
    const after = openCustody(cfg.dataDir);
    try {
      expect(after.listAudit({ event: 'object.orphan.replaced' }).map((e) => (e.payload as { sha256: string }).sha256)).toEqual([sha(victim)]);
      expect(after.listRecordings().map((x) => x.sha256).sort()).toEqual(bodies.map(sha).sort());
      const store = ObjectStore.forDataDir(cfg.dataDir);
      for (const b of bodies) expect(await store.verifyObject(sha(b), b.length)).toBe('ok');
    } finally {
      after.close();
    }
  }, 120_000);
});
