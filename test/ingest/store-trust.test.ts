// Issue 7 defect 7: an existing object is re-hashed before a fresh copy is discarded as its
// duplicate; a rotted one is replaced, audited `object.repaired`, with a critical alert.
// Issue 8: an orphan object file (written, crash before commit) is re-hashed before it is
// trusted; the disk proof marks objects verified from the medium, one audit entry per batch.
// Issue 7 defect 4: a failed commit stops the session `interrupted` with a critical alert.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { proveBacklog, judgeProof } from '../../src/ingest/proof-stage.js';
import { proveFromDisk, parseProofLine } from '../../src/store/disk-proof.js';
import { PROFILES, station, type Station } from './dock-helpers.js';
import { objectPath } from '../helpers/volumes.js';

const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = () => { const s = station(); stations.push(s); return s; };
const generic = PROFILES.find((p) => p.name === 'generic')!;

function camera(s: Station, name: string, serial: string, files: Record<string, Buffer>): string {
  const cam = path.join(s.dir, name);
  fs.mkdirSync(path.join(cam, 'DCIM/100MEDIA'), { recursive: true });
  fs.writeFileSync(path.join(cam, 'DEVICE.ID'), `serial=${serial}\nbadge=000001\n`);
  for (const [n, body] of Object.entries(files)) fs.writeFileSync(path.join(cam, 'DCIM/100MEDIA', n), body);
  return cam;
}
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
function rot(file: string): void {
  fs.chmodSync(file, 0o644);
  const fd = fs.openSync(file, 'r+');
  fs.writeSync(fd, Buffer.from([0x42]), 0, 1, 100);
  fs.closeSync(fd);
  fs.chmodSync(file, 0o444);
}

describe('deduplication re-hashes what it trusts', () => {
  it('replaces a rotted object with the fresh copy: object.repaired, critical alert', async () => {
    const s = open();
    const body = crypto.randomBytes(200_000);
    const a = camera(s, 'a', 'DED0001', { 'IMG_0001.JPG': body });
    expect((await ingestVolume({ root: a, profile: generic, config: s.config }, s)).stored).toBe(1);
    const obj = objectPath(s.dataDir, sha(body));
    rot(obj);
    const b = camera(s, 'b', 'DED0002', { 'IMG_0009.JPG': body }); // same content from another camera
    const sum = await ingestVolume({ root: b, profile: generic, config: s.config }, s);
    expect(sum).toMatchObject({ status: 'complete', duplicates: 1 });
    expect(sha(fs.readFileSync(obj))).toBe(sha(body));
    expect(s.custody.listAudit({ event: 'object.repaired' }).map((e) => e.payload)).toEqual([expect.objectContaining({ sha256: sha(body) })]);
    expect(s.custody.listAlerts({ sessionId: sum.session })).toEqual([expect.objectContaining({ kind: 'object-repaired', severity: 'critical' })]);
  });

  it('re-hashes an orphan object (written, then a crash before its commit): a bad one is replaced, a good one trusted', async () => {
    const s = open();
    const bad = crypto.randomBytes(100_000);
    const good = crypto.randomBytes(100_000);
    // What a power cut between the object write and the group commit leaves: object files, no rows.
    for (const [body, content] of [[bad, Buffer.alloc(bad.length)], [good, good]] as const) {
      const p = objectPath(s.dataDir, sha(body));
      fs.mkdirSync(path.dirname(p), { recursive: true });
      fs.writeFileSync(p, content, { mode: 0o444 });
    }
    const cam = camera(s, 'c', 'ORP0001', { 'IMG_0001.JPG': bad, 'IMG_0002.JPG': good });
    const sum = await ingestVolume({ root: cam, profile: generic, config: s.config }, s);
    expect(sum).toMatchObject({ status: 'complete', failed: 0 });
    expect(sha(fs.readFileSync(objectPath(s.dataDir, sha(bad))))).toBe(sha(bad));
    expect(s.custody.listAudit({ event: 'object.orphan.replaced' }).map((e) => (e.payload as { sha256: string }).sha256)).toEqual([sha(bad)]);
    expect(s.custody.listAlerts({ sessionId: sum.session })).toEqual([]); // nothing in custody was damaged
    expect(s.custody.listObjects().map((o) => o.sha256).sort()).toEqual([sha(bad), sha(good)].sort());
  });
});

describe('a failed commit stops the session', () => {
  it('ends interrupted with a critical store-failed alert, nothing half-committed', async () => {
    const s = open();
    const cam = camera(s, 'd', 'COM0001', { 'IMG_0001.JPG': crypto.randomBytes(5000), 'IMG_0002.JPG': crypto.randomBytes(5000) });
    const db = new Database(s.custody.file);
    db.exec(`CREATE TRIGGER no_commit BEFORE INSERT ON recordings BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END`);
    db.close();
    const sum = await ingestVolume({ root: cam, profile: generic, config: s.config }, s);
    expect(sum.status).toBe('interrupted');
    expect(s.custody.getSession(sum.session)?.status).toBe('interrupted');
    expect(s.custody.listAlerts({ sessionId: sum.session })).toEqual([expect.objectContaining({ kind: 'store-failed', severity: 'critical' })]);
    expect(s.custody.listRecordings()).toEqual([]);
    expect(s.custody.listObjects()).toEqual([]);
  });
});

describe('disk proof', () => {
  it('parses the helper and judges its answers (pure)', () => {
    const h = 'a'.repeat(64);
    expect(parseProofLine(`ok ${h} 12 0`)).toEqual({ ok: true, sha256: h, bytes: 12, cachedPages: 0 });
    expect(parseProofLine('err EIO read: Input/output error')).toEqual({ ok: false, error: 'EIO: read: Input/output error' });
    expect(judgeProof([{ sha256: h, size: 12 }, { sha256: h, size: 13 }, { sha256: h, size: 1 }],
      [{ ok: true, sha256: h, bytes: 12 }, { ok: true, sha256: h, bytes: 12 }, { ok: false, error: 'EIO: x' }]))
      .toEqual({ ok: [h], proved: 1, failed: [{ sha256: h, reason: expect.stringMatching(/hashed/) }, { sha256: h, reason: 'EIO: x' }] });
  });

  it('re-reads every new object with the page cache dropped, marks it verified, one audit entry per batch', async () => {
    const s = open();
    const files = Object.fromEntries(Array.from({ length: 5 }, (_, i) => [`IMG_000${i}.JPG`, crypto.randomBytes(300_000)]));
    const sum = await ingestVolume({ root: camera(s, 'e', 'PRF0001', files), profile: generic, config: s.config }, s);
    expect(s.custody.proofBacklog()).toEqual({ objects: 5, bytes: 1_500_000 });
    expect(s.custody.sessionUnproved(sum.session)).toBe(5);
    const answers = await proveFromDisk(s.custody.listObjects().map((o) => s.store.pathFor(o.sha256)));
    expect(answers.every((a) => a.ok && a.cachedPages === 0)).toBe(true); // nothing hashed came from the cache
    const pass = await proveBacklog(s);
    expect(pass).toEqual({ proved: 5, failed: [] });
    expect(s.custody.proofBacklog()).toEqual({ objects: 0, bytes: 0 });
    expect(s.custody.sessionUnproved(sum.session)).toBe(0);
    expect(s.custody.listObjects().every((o) => o.verifiedAt)).toBe(true);
    expect(s.custody.listAudit({ event: 'objects.disk-proof' })).toHaveLength(1);
  });

  it('a rotted object fails its proof: critical alert, stays unverified', async () => {
    const s = open();
    const body = crypto.randomBytes(50_000);
    await ingestVolume({ root: camera(s, 'f', 'PRF0002', { 'IMG_0001.JPG': body }), profile: generic, config: s.config }, s);
    rot(objectPath(s.dataDir, sha(body)));
    const pass = await proveBacklog(s);
    expect(pass.failed).toEqual([{ sha256: sha(body), reason: expect.stringMatching(/hashed/) }]);
    expect(s.custody.listAlerts()).toEqual([expect.objectContaining({ kind: 'disk-proof-failed', severity: 'critical' })]);
    expect(s.custody.proofBacklog().objects).toBe(1);
  });
});
