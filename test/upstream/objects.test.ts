// The object upstream against a real Ceph RGW (scripts/upstream/ceph-start.sh; one cluster for the
// file): three stations replicating at once into one bucket, Object Lock enforced by the server,
// locks lengthened and legal holds set as retention changes, the server stopped mid-replication
// and restarted, idempotent re-sends, and local pruning that verify accepts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import {
  S3Client, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, HeadObjectCommand, ListObjectVersionsCommand,
  PutObjectRetentionCommand,
} from '@aws-sdk/client-s3';
import { openCustody, upstreamObjects as q, cases, type Custody } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { createLogger, flushLogger, type Logger } from '../../src/util/logger.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { proveBacklog } from '../../src/ingest/proof-stage.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { configSchema, type Config } from '../../src/config/schema.js';
import { classify, runRetention } from '../../src/retention/service.js';
import { SYSTEM_ACTOR } from '../../src/retention/actor.js';
import { verifyCustody, verifyPassed } from '../../src/integrity/verify.js';
import { bucketFor, loadCredentials, ObjectUpstream, pruneLocal, type PassResult } from '../../src/upstream/objects/index.js';
import { lockTargets } from '../../src/upstream/objects/targets.js';
import { makeRandomVolume, objectPath, tempDir, writeConfig } from '../helpers/volumes.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';
import { cephMissing, destroyCeph, restartCeph, startCeph, stopCeph, type CephServer } from '../helpers/ceph.js';
import { skipUnless } from '../helpers/require.js';

const skip = skipUnless('object upstream against Ceph RGW', cephMissing());

let ceph: CephServer | undefined;
let s3: S3Client;
let work: string;
const timings: Record<string, number> = {};

beforeAll(() => {
  if (skip) return;
  work = tempDir('upstream');
  ceph = startCeph();
  timings.cephStartSeconds = ceph.startSeconds;
  s3 = new S3Client({
    endpoint: ceph.endpoint, region: 'us-east-1', forcePathStyle: true, credentials: loadCredentials(ceph.credentialsFile),
    requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED',
  });
}, 180_000);
afterAll(() => {
  s3?.destroy();
  destroyCeph(ceph);
  if (work) fs.rmSync(work, { recursive: true, force: true });
  console.log(`[upstream objects] ${JSON.stringify(timings)}`);
}, 60_000);

async function newBucket(name: string): Promise<string> {
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
  return name;
}

interface Station { name: string; dataDir: string; custody: Custody; store: ObjectStore; logger: Logger; config: Config; worker: ObjectUpstream; close(): Promise<void> }

let clock = new Date('2026-11-26T10:00:00Z');
const now = () => clock;

function openStation(name: string, bucket: string, upstream: Record<string, unknown> = {}): Station {
  const dataDir = path.join(work, name);
  const custody = openCustody(dataDir, { now });
  const store = new ObjectStore(path.join(dataDir, 'store'));
  const logger = createLogger({ dataDir, console: false });
  const config = configSchema.parse({
    timezone: '+00:00',
    upstream: { station: name, endpoint: ceph!.endpoint, bucket, credentialsFile: ceph!.credentialsFile, maxMBps: 500, ...upstream },
  });
  const worker = new ObjectUpstream({ custody, store, config: { ...config, upstream: config.upstream! }, bucket: bucketFor(config)!, station: name, logger, now });
  return { name, dataDir, custody, store, logger, config, worker, close: async () => { worker.env.bucket.close(); custody.close(); await flushLogger(logger); } };
}

async function ingest(st: Station, serial: string, sizes: number[], shared?: Buffer): Promise<void> {
  const cam = path.join(work, `${st.name}-cam-${serial}`);
  makeRandomVolume(cam, { serial, sizes, start: new Date('2026-11-26T08:00:00Z') });
  if (shared) {
    const media = path.join(cam, 'DCIM/100MEDIA');
    fs.writeFileSync(path.join(media, fs.readdirSync(media).sort()[0]!), shared);
  }
  await ingestVolume({ root: cam, profile: GENERIC_PROFILE, config: { timezone: 'local', devices: [] } }, { custody: st.custody, store: st.store, logger: st.logger });
  await proveBacklog({ custody: st.custody, store: st.store, logger: st.logger });
  expect(st.custody.proofBacklog().objects).toBe(0); // every object proven on disk, so it is due upstream
}

async function versions(bucket: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  let KeyMarker: string | undefined; let VersionIdMarker: string | undefined;
  for (;;) {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: bucket, KeyMarker, VersionIdMarker }));
    for (const v of r.Versions ?? []) out.set(v.Key!, (out.get(v.Key!) ?? 0) + 1);
    if (!r.IsTruncated) return out;
    KeyMarker = r.NextKeyMarker; VersionIdMarker = r.NextVersionIdMarker;
  }
}

async function getSha(bucket: string, key: string, versionId?: string | null): Promise<string> {
  const r = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(versionId ? { VersionId: versionId } : {}) }));
  return crypto.createHash('sha256').update(await r.Body!.transformToByteArray()).digest('hex');
}

async function untilAsync<T>(what: string, fn: () => Promise<T | undefined>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

const statusOf = (e: unknown) => (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;

describe.skipIf(skip)('object upstream (real Ceph RGW)', () => {
  it('three stations replicate at once into one bucket: each object once, locked COMPLIANCE until its floor, checked', async () => {
    const bucket = await newBucket('three-stations');
    const shared = crypto.randomBytes(300_000); // the same footage on a camera of each station
    const stations = ['st-a', 'st-b', 'st-c'].map((n) => openStation(n, bucket));
    try {
      for (const [i, st] of stations.entries()) await ingest(st, `CAM${i}`, [200_000, 500_000, 1_000_000, 50_000, 700_000], shared);
      const t0 = performance.now();
      const results: PassResult[] = await Promise.all(stations.map((st) => st.worker.pass()));
      timings.threeStationsSeconds = (performance.now() - t0) / 1000;
      // The shared object's lock was set by the first station; a later floor of another station is added next pass.
      const second = await Promise.all(stations.map((st) => st.worker.pass()));
      expect(second.reduce((n, r) => n + r.stored + r.reused + r.failed, 0)).toBe(0);
      expect(second.reduce((n, r) => n + r.locked, 0)).toBe(second.reduce((n, r) => n + r.lockQueued, 0));
      const all = new Set<string>();
      for (const [i, st] of stations.entries()) {
        const r = results[i]!;
        expect(r.outage).toBeNull();
        expect(r.failed).toBe(0);
        const objs = st.custody.listObjects();
        expect(r.stored + r.reused).toBe(objs.length);
        const b = q.backlog(st.custody.ctx());
        expect(b).toMatchObject({ objects: 0, bytes: 0, oldest: null, failed: 0 });
        const targets = lockTargets(st.custody, st.config, clock.toISOString());
        for (const o of objs) {
          all.add(o.sha256);
          const u = q.getUpstream(st.custody.ctx(), o.sha256)!;
          const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: o.sha256, VersionId: u.versionId! }));
          expect(h.ObjectLockMode).toBe('COMPLIANCE');
          // routine footage: 3 months from ingest (the test clock)
          expect(h.ObjectLockRetainUntilDate!.getTime()).toBeGreaterThanOrEqual(Date.parse(targets.target(o.sha256, o.storedAt).retainUntil));
          expect(h.Metadata?.sha256).toBe(o.sha256);
          expect(h.ETag?.replace(/"/g, '')).toBe(u.md5);
        }
        const stored = st.custody.listAudit({ event: 'upstream.object.stored' });
        expect(stored).toHaveLength(objs.length);
      }
      // Each station's own footage went up once. The footage all three hold: a station that found it in the
      // bucket sent nothing; stations racing for it at the same instant may each add their own version
      // (Ceph 16 ignores If-None-Match on a versioned bucket), never more than one per station.
      const v = await versions(bucket);
      const sharedSha = crypto.createHash('sha256').update(shared).digest('hex');
      expect([...v.keys()].sort()).toEqual([...all].sort());
      expect([...v.entries()].filter(([k]) => k !== sharedSha).every(([, n]) => n === 1)).toBe(true);
      expect(v.get(sharedSha)! + results.reduce((s, r) => s + r.reused, 0)).toBe(3);
      for (const st of stations) {
        const u = q.getUpstream(st.custody.ctx(), sharedSha)!;
        expect(await getSha(bucket, sharedSha, u.versionId)).toBe(sharedSha);
      }
    } finally {
      for (const st of stations) await st.close();
    }
  });

  it('the server refuses a delete or a shortened retention of a locked object; longer retention and legal holds follow the station', async () => {
    const bucket = await newBucket('locks');
    const st = openStation('st-lock', bucket);
    try {
      await ingest(st, 'LCK1', [100_000, 100_000, 100_000]);
      expect((await st.worker.pass()).stored).toBe(3);
      const [r1, r2, r3] = st.custody.listRecordings({}).map((r) => r.id).sort((a, b) => a - b);
      const rec1 = st.custody.getRecording(r1!)!;
      const u1 = q.getUpstream(st.custody.ctx(), rec1.sha256)!;
      // Even the station's own keys cannot destroy or shorten evidence: the server says 403.
      await expect(s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: rec1.sha256, VersionId: u1.versionId! })))
        .rejects.toSatisfy((e) => statusOf(e) === 403);
      await expect(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: rec1.sha256, VersionId: u1.versionId!,
        Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(Date.parse(u1.retainUntil) - 86_400_000) } })))
        .rejects.toSatisfy((e) => statusOf(e) === 403);
      await expect(s3.send(new PutObjectRetentionCommand({ Bucket: bucket, Key: rec1.sha256, VersionId: u1.versionId!,
        Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(Date.parse(u1.retainUntil) + 86_400_000) } })))
        .rejects.toSatisfy((e) => statusOf(e) === 403);
      expect(await getSha(bucket, rec1.sha256, u1.versionId)).toBe(rec1.sha256);

      // Retention lengthens on the station → the bucket follows: 'other' for a year, major (legal hold), a hold.
      const actor = { badge: '000777', osUser: 'custodian', roles: ['custodian'], unit: null };
      const env = { custody: st.custody, store: st.store, config: st.config, now };
      classify(env, actor, [r1!], { category: 'other', until: '2027-11-30' });
      classify(env, actor, [r2!], { category: 'major' });
      cases.addHold(st.custody.ctx('000777'), { reason: 'complaint', recordingIds: [r3!] });
      const r = await st.worker.pass();
      expect(r).toMatchObject({ lockQueued: 3, locked: 3, failed: 0 });
      const head = async (id: number) => {
        const sha = st.custody.getRecording(id)!.sha256;
        return s3.send(new HeadObjectCommand({ Bucket: bucket, Key: sha, VersionId: q.getUpstream(st.custody.ctx(), sha)!.versionId! }));
      };
      const h1 = await head(r1!);
      expect(h1.ObjectLockRetainUntilDate!.toISOString()).toBe('2027-12-01T00:00:00.000Z');
      expect(h1.ObjectLockLegalHoldStatus).toBe('OFF');
      expect((await head(r2!)).ObjectLockLegalHoldStatus).toBe('ON');
      expect((await head(r3!)).ObjectLockLegalHoldStatus).toBe('ON');
      expect(st.custody.listAudit({ event: 'upstream.object.locked' })).toHaveLength(3);
      // A second pass finds nothing to change.
      expect(await st.worker.pass()).toMatchObject({ lockQueued: 0, locked: 0, stored: 0 });
      // Releasing the hold releases the legal hold (the COMPLIANCE date stays).
      const hold = cases.listHolds(st.custody.ctx(), { active: true })[0]!;
      cases.releaseHold(st.custody.ctx('900001'), hold.id, 'complaint withdrawn');
      expect(await st.worker.pass()).toMatchObject({ locked: 1 });
      expect((await head(r3!)).ObjectLockLegalHoldStatus).toBe('OFF');
    } finally {
      await st.close();
    }
  });

  it('server stopped mid-replication, then restarted: the queue resumes with nothing lost or duplicated', async () => {
    const bucket = await newBucket('outage');
    const st = openStation('st-out', bucket, { maxMBps: 4 }); // slow enough to stop the server in the middle
    const sizes = Array.from({ length: 24 }, () => 1_000_000);
    await ingest(st, 'OUT1', sizes);
    const pass = st.worker.pass();
    // Stop the server once a few objects are up.
    for (let i = 0; i < 300 && q.listUpstream(st.custody.ctx()).length < 3; i++) await new Promise((r) => setTimeout(r, 100));
    stopCeph(ceph!);
    const first = await pass;
    expect(first.outage).not.toBeNull();
    expect(first.failed).toBe(0); // an outage uses up no item's retries
    const upBefore = q.listUpstream(st.custody.ctx()).length;
    expect(upBefore).toBeGreaterThan(0);
    expect(upBefore).toBeLessThan(sizes.length);
    expect(q.backlog(st.custody.ctx()).objects).toBe(sizes.length - upBefore);
    await st.close();
    timings.cephRestartSeconds = restartCeph(ceph!);

    // A fresh process (the daemon restarted too) picks the durable queue up.
    const again = openStation('st-out', bucket, { maxMBps: 500 });
    try {
      let r: PassResult | undefined;
      for (let i = 0; i < 10 && q.backlog(again.custody.ctx()).objects > 0; i++) {
        r = await again.worker.pass();
        if (r.outage) await new Promise((res) => setTimeout(res, 1000));
      }
      expect(q.backlog(again.custody.ctx())).toMatchObject({ objects: 0, failed: 0 });
      const objs = again.custody.listObjects().map((o) => o.sha256).sort();
      expect(objs).toHaveLength(sizes.length);
      const v = await versions(bucket);
      expect([...v.keys()].sort()).toEqual(objs);
      expect([...v.values()].every((n) => n === 1)).toBe(true); // nothing sent twice
      const stored = again.custody.listAudit({ event: 'upstream.object.stored' }).map((e) => (e.payload as { sha256: string }).sha256).sort();
      expect(stored).toEqual(objs); // each object counted upstream exactly once
      for (const h of objs.slice(0, 5)) expect(await getSha(bucket, h)).toBe(h);
    } finally {
      await again.close();
    }
  }, 180_000);

  it('a re-sent object adds nothing: an answer lost after the put is found by HEAD and counted', async () => {
    const bucket = await newBucket('idempotent');
    const st = openStation('st-idem', bucket);
    try {
      await ingest(st, 'IDM1', [120_000, 80_000]);
      expect((await st.worker.pass()).stored).toBe(2);
      // As if the station had crashed after the put and before noting it: the rows are gone.
      const db = new Database(path.join(st.dataDir, 'custody.db'));
      db.exec('DELETE FROM upstream_objects');
      db.close();
      const r = await st.worker.pass();
      expect(r).toMatchObject({ enqueued: 2, stored: 0, reused: 2 });
      expect([...(await versions(bucket)).values()]).toEqual([1, 1]);
    } finally {
      await st.close();
    }
  });

  it('pruning drops a local copy only when the bucket holds it locked and re-verified and the rules allow; verify stays green', async () => {
    const bucket = await newBucket('prune');
    const st = openStation('st-prune', bucket, { pruneLocal: true });
    try {
      await ingest(st, 'PRN1', [150_000, 150_000, 150_000]);
      await st.worker.pass();
      const [r1, r2, r3] = st.custody.listRecordings({}).map((r) => r.id).sort((a, b) => a - b);
      const actor = { badge: '000777', osUser: 'custodian', roles: ['custodian'], unit: null };
      classify({ custody: st.custody, store: st.store, config: st.config, now }, actor, [r2!], { category: 'major' });
      cases.addHold(st.custody.ctx('000777'), { reason: 'court', recordingIds: [r3!] });
      await st.worker.pass(); // legal holds set
      const res = await pruneLocal(st.worker.env);
      const sha = (id: number) => st.custody.getRecording(id)!.sha256;
      expect(res.pruned).toEqual([sha(r1!)]);
      expect(res.kept.map((k) => k.why).sort()).toEqual(['a held recording keeps its local copy', 'major recording without a verified disc']);
      expect(fs.existsSync(objectPath(st.dataDir, sha(r1!)))).toBe(false);
      expect(fs.existsSync(objectPath(st.dataDir, sha(r2!)))).toBe(true);
      expect(st.custody.getRecording(r1!)).toBeDefined(); // the recording stays, its object lives in the bucket
      const audit = st.custody.listAudit({ event: 'upstream.object.pruned' });
      expect(audit).toHaveLength(1);
      expect(audit[0]!.payload).toMatchObject({ sha256: sha(r1!), bucket, rehashed: sha(r1!) });
      const v = await verifyCustody(st.custody, st.store);
      expect(v.missing).toEqual([]);
      expect(v.reconcile.problems).toEqual([]);
      expect(verifyPassed(v)).toBe(true);
      // A second run prunes nothing more.
      expect((await pruneLocal(st.worker.env)).pruned).toEqual([]);
    } finally {
      await st.close();
    }
  });
  it('the daemon sends what it docked on its own, without being asked', async () => {
    const bucket = await newBucket('daemon');
    const dir = path.join(work, 'daemon');
    const dock = path.join(dir, 'dock');
    fs.mkdirSync(dock, { recursive: true });
    const cfg = writeConfig(dir, [
      `dock:\n  roots: [${JSON.stringify(dock)}]\n  settleMs: 200\n  blockDevices: false`,
      `upstream:\n  station: st-daemon\n  endpoint: ${ceph!.endpoint}\n  bucket: ${bucket}\n  credentialsFile: ${JSON.stringify(ceph!.credentialsFile)}\n`,
    ].join('\n'));
    const d = spawnCli(['--config', cfg.file, 'daemon']);
    const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
    try {
      await until('daemon state', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
      makeRandomVolume(path.join(dir, 'staging'), { serial: 'DMN0001', sizes: [40_000, 50_000, 60_000] });
      fs.renameSync(path.join(dir, 'staging'), path.join(dock, 'DMN0001'));
      const st = await untilAsync('objects in the bucket', async () => {
        const s = JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout) as { upstream: { queued: number; upstream: number } };
        return s.upstream.upstream === 3 && s.upstream.queued === 0 ? s : undefined;
      });
      expect(st.upstream).toMatchObject({ upstream: 3, queued: 0, failed: 0 });
      expect((await versions(bucket)).size).toBe(3);
    } finally {
      d.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 120_000);
  it('a recording purged on the station leaves its object locked in the bucket, and its lock unmanaged', async () => {
    const bucket = await newBucket('purged');
    const saved = clock;
    const st = openStation('st-purge', bucket);
    try {
      await ingest(st, 'PRG1', [90_000]);
      expect((await st.worker.pass()).stored).toBe(1);
      const [rec] = st.custody.listRecordings({});
      const u = q.getUpstream(st.custody.ctx(), rec!.sha256)!;
      const env = { custody: st.custody, store: st.store, config: st.config, now };
      clock = new Date(Date.parse(u.retainUntil) + 3_600_000); // due on the station's (test) clock: the grace starts
      expect((await runRetention(env, SYSTEM_ACTOR)).graced).toBe(1);
      clock = new Date(clock.getTime() + 8 * 86_400_000);
      expect((await runRetention(env, SYSTEM_ACTOR)).purged).toBe(1);
      expect(st.custody.listObjects()).toEqual([]);
      expect(await st.worker.pass()).toMatchObject({ enqueued: 0, lockQueued: 0, locked: 0, stored: 0 });
      const h = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: rec!.sha256, VersionId: u.versionId! }));
      expect(h.ObjectLockMode).toBe('COMPLIANCE');
      expect(h.ObjectLockRetainUntilDate!.toISOString()).toBe(u.retainUntil); // neither shortened nor stretched
    } finally {
      clock = saved;
      await st.close();
    }
  });
});
