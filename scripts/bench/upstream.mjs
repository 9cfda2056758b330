// The object upstream benchmark's harness (run by scripts/bench-upstream.sh with a Ceph RGW up).
// Uses the compiled modules in dist/ (built by bootstrap).
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CreateBucketCommand, PutObjectCommand } from '@aws-sdk/client-s3';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const d = (m) => import(path.join(ROOT, 'dist', m));
const { openCustody, upstreamObjects: q } = await d('custody/index.js');
const { ObjectStore } = await d('store/index.js');
const { createLogger, flushLogger } = await d('util/logger.js');
const { ingestVolume } = await d('ingest/ingest-volume.js');
const { proveBacklog } = await d('ingest/proof-stage.js');
const { GENERIC_PROFILE } = await d('profiles/builtin.js');
const { configSchema } = await d('config/schema.js');
const { bucketFor, ObjectUpstream } = await d('upstream/objects/index.js');

const s3 = JSON.parse(process.argv[2]);
const work = process.argv[3];
const FILES = Number(process.env.BENCH_UP_FILES ?? 16);
const MIB = Number(process.env.BENCH_UP_MIB ?? 16);
const CAP = Number(process.env.BENCH_UP_CAP ?? 8);
const MiB = 1024 * 1024;

function config(bucket, station, maxMBps) {
  return configSchema.parse({ timezone: '+00:00', upstream: { station, endpoint: s3.endpoint, bucket, credentialsFile: s3.credentialsFile, maxMBps } });
}

async function station(name) {
  const dataDir = path.join(work, name);
  const cam = path.join(work, `${name}-cam`, 'DCIM/100MEDIA');
  fs.mkdirSync(cam, { recursive: true });
  fs.writeFileSync(path.join(work, `${name}-cam`, 'DEVICE.ID'), `serial=${name.toUpperCase()}\nbadge=000123\nmodel=bench\n`);
  for (let i = 0; i < FILES; i++) fs.writeFileSync(path.join(cam, `20261126_0800${String(i).padStart(2, '0')}_${name.toUpperCase()}_000123_${String(i + 1).padStart(4, '0')}.JPG`), crypto.randomBytes(MIB * MiB));
  const custody = openCustody(dataDir);
  const store = new ObjectStore(path.join(dataDir, 'store'));
  const logger = createLogger({ dataDir, console: false });
  await ingestVolume({ root: path.join(work, `${name}-cam`), profile: GENERIC_PROFILE, config: { timezone: 'local', devices: [] } }, { custody, store, logger });
  await proveBacklog({ custody, store, logger });
  fs.rmSync(path.join(work, `${name}-cam`), { recursive: true, force: true });
  return { name, dataDir, custody, store, logger };
}

function worker(st, bucket, maxMBps = 100_000) {
  const cfg = config(bucket, st.name, maxMBps);
  return new ObjectUpstream({ custody: st.custody, store: st.store, config: { ...cfg, upstream: cfg.upstream }, bucket: bucketFor(cfg), station: st.name, logger: st.logger });
}

async function newBucket(client, name) {
  await client.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }));
  return name;
}

/** The baseline: a plain PutObject loop of the same objects, streamed from the store, same client settings. */
async function plainLoop(st, bucket) {
  const b = bucketFor(config(bucket, st.name, 1));
  const objs = st.custody.listObjects();
  const t0 = performance.now();
  for (const o of objs) {
    await b.client.send(new PutObjectCommand({ Bucket: bucket, Key: o.sha256, Body: fs.createReadStream(st.store.pathFor(o.sha256), { highWaterMark: MiB }), ContentLength: o.size }));
  }
  const s = (performance.now() - t0) / 1000;
  b.close();
  return { seconds: s, bytes: objs.reduce((n, o) => n + o.size, 0) };
}

async function replicate(st, bucket, maxMBps) {
  const w = worker(st, bucket, maxMBps);
  const t0 = performance.now();
  const r = await w.pass();
  const s = (performance.now() - t0) / 1000;
  w.env.bucket.close();
  if (r.outage || r.failed || q.backlog(st.custody.ctx()).objects) throw new Error(`replication of ${st.name} incomplete: ${JSON.stringify(r)}`);
  return { seconds: s, bytes: st.custody.listObjects().reduce((n, o) => n + o.size, 0) };
}

const mibs = (x) => x.bytes / MiB / x.seconds;
const fmt = (n) => n.toFixed(1);
const out = [];
const a = await station('a');
const admin = bucketFor(config('admin', 'a', 1));
// Two rounds each, alternating, fresh buckets (the replication's HEAD must not find the plain loop's objects).
const plain = []; const repl = [];
for (let round = 0; round < 2; round++) {
  plain.push(await plainLoop(a, await newBucket(admin.client, `plain-${round}`)));
  // a fresh copy of the station's queue per round: forget what round 0 sent
  if (round > 0) { const db = (await import('better-sqlite3')).default(path.join(a.dataDir, 'custody.db')); db.exec('DELETE FROM upstream_objects; DELETE FROM upstream_queue'); db.close(); }
  repl.push(await replicate(a, await newBucket(admin.client, `repl-${round}`)));
}
const best = (xs) => xs.reduce((m, x) => (mibs(x) > mibs(m) ? x : m));
const P = best(plain); const R = best(repl);
out.push(`objects: ${FILES} × ${MIB} MiB per station (${FILES * MIB} MiB)`);
out.push(`plain PutObject loop (same client, same objects): ${fmt(mibs(P))} MiB/s (${plain.map((x) => fmt(mibs(x))).join(', ')})`);
out.push(`evidock replication (re-hash, HEAD, locked put + Content-MD5, HEAD check, custody): ${fmt(mibs(R))} MiB/s (${repl.map((x) => fmt(mibs(x))).join(', ')})`);
out.push(`ratio replication / plain loop: ${(mibs(R) / mibs(P)).toFixed(2)}`);

const b = await station('b'); const c = await station('c');
const three = await newBucket(admin.client, 'three');
for (const st of [a, b, c]) { const db = (await import('better-sqlite3')).default(path.join(st.dataDir, 'custody.db')); db.exec('DELETE FROM upstream_objects; DELETE FROM upstream_queue'); db.close(); }
const t0 = performance.now();
const rs = await Promise.all([a, b, c].map((st) => replicate(st, three)));
const wall = (performance.now() - t0) / 1000;
const total = rs.reduce((n, r) => n + r.bytes, 0);
out.push(`three stations at once into one bucket: ${fmt(total / MiB / wall)} MiB/s aggregate (${fmt(total / MiB)} MiB in ${fmt(wall)} s; ${(total / MiB / wall / mibs(R)).toFixed(2)}× one station)`);

{ const db = (await import('better-sqlite3')).default(path.join(a.dataDir, 'custody.db')); db.exec('DELETE FROM upstream_objects; DELETE FROM upstream_queue'); db.close(); }
const capped = await replicate(a, await newBucket(admin.client, 'capped'), CAP);
out.push(`paced at upstream.maxMBps ${CAP}: ${fmt(mibs(capped))} MiB/s`);
admin.close();
for (const st of [a, b, c]) { st.custody.close(); await flushLogger(st.logger); }
console.log(out.join('\n'));
