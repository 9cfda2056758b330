// Retention against real stored objects: grace, restore, purge with tombstones, holds, cases,
// shared objects, the delete door, and verify staying green afterwards.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openCustody, cases, retention, type Custody } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { createLogger, flushLogger, type Logger } from '../../src/util/logger.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { configSchema } from '../../src/config/schema.js';
import { classify, planRetention, purgeDigest, restoreRecording, runRetention, type RetentionEnv } from '../../src/retention/service.js';
import { SYSTEM_ACTOR } from '../../src/retention/actor.js';
import { verifyCustody, verifyPassed } from '../../src/integrity/verify.js';
import { makeRandomVolume, objectPath, tempDir } from '../helpers/volumes.js';

let dir: string;
let dataDir: string;
let clock: Date;
let custody: Custody;
let store: ObjectStore;
let logger: Logger;
let env: RetentionEnv;
const config = configSchema.parse({ timezone: '+00:00' });
const actor = { badge: '000777', osUser: 'custodian', roles: ['custodian'], unit: null };

beforeEach(() => {
  dir = tempDir('retention');
  dataDir = path.join(dir, 'data');
  clock = new Date('2026-11-26T10:00:00Z');
  custody = openCustody(dataDir, { now: () => clock });
  store = new ObjectStore(path.join(dataDir, 'store'));
  logger = createLogger({ dataDir, console: false });
  env = { custody, store, config, now: () => clock };
});
afterEach(async () => { custody.close(); await flushLogger(logger); fs.rmSync(dir, { recursive: true, force: true }); });

async function ingest(serial: string, sizes: number[], copyFirstFrom?: string): Promise<number[]> {
  const cam = path.join(dir, `cam-${serial}`);
  makeRandomVolume(cam, { serial, sizes, start: new Date('2026-11-26T08:00:00Z') });
  if (copyFirstFrom) {
    // The same bytes on a second camera: a second recording naming the same object.
    const media = path.join(cam, 'DCIM/100MEDIA');
    const src = path.join(copyFirstFrom, 'DCIM/100MEDIA');
    const first = fs.readdirSync(src).sort()[0]!;
    const mine = fs.readdirSync(media).sort()[0]!;
    fs.copyFileSync(path.join(src, first), path.join(media, mine));
  }
  await ingestVolume({ root: cam, profile: GENERIC_PROFILE, config: { timezone: 'local', devices: [] } }, { custody, store, logger });
  return custody.listRecordings({ device: serial }).map((r) => r.id).sort((a, b) => a - b);
}

const at = (iso: string) => { clock = new Date(iso); };
const sql = () => new Database(path.join(dataDir, 'custody.db'));

describe('retention run', () => {
  it('graces what is due, purges after the grace, keeps held, open-case and major footage, and leaves tombstones', async () => {
    const first = await ingest('TST0001', [1000, 1000, 1000, 1000]);
    const [r5] = await ingest('TST0002', [1000], path.join(dir, 'cam-TST0001'));
    const shared = custody.getRecording(r5!)!.sha256;
    const r1 = first.find((id) => custody.getRecording(id)!.sha256 === shared)!;
    const [r2, r3, r4] = first.filter((id) => id !== r1);
    const rec1 = custody.getRecording(r1)!;

    cases.addHold(custody.ctx('000777'), { reason: 'complaint', recordingIds: [r2!] });
    cases.openCase(custody.ctx('000777'), 'SJ-2026-1', 'market inspection');
    cases.linkRecordings(custody.ctx('000777'), 'SJ-2026-1', [r3!], '调查');
    classify(env, actor, [r4!], { category: 'major' });

    at('2027-02-25T00:00:00Z'); // before the 3-month floor
    expect(planRetention(env).filter((e) => e.due)).toEqual([]);
    expect((await runRetention(env, actor)).graced).toBe(0);

    at('2027-02-26T10:00:01Z'); // 3 months after it entered custody
    const plan = new Map(planRetention(env).map((e) => [e.recordingId, e]));
    expect(plan.get(r1!)).toMatchObject({ due: true, category: 'routine', keepUntil: '2027-02-26T10:00:00.000Z',
      blockedBy: [`object shared with live recording ${r5}` + ' (object kept)'] });
    expect(plan.get(r2!)).toMatchObject({ due: false, blockedBy: ['hold 1: complaint'] });
    expect(plan.get(r3!)).toMatchObject({ due: false, keepUntil: null, blockedBy: ['case SJ-2026-1 open'] });
    expect(plan.get(r4!)).toMatchObject({ due: false, keepUntil: null, blockedBy: ['no verified disc'] });
    const run1 = await runRetention(env, actor);
    expect(run1).toMatchObject({ graced: 2, purged: 0, bytesFreed: 0, kept: 3 });
    expect(purgeDigest(env).map((d) => [d.recordingId, d.purgeOn])).toEqual([[r1, '2027-03-05T10:00:01.000Z'], [r5, '2027-03-05T10:00:01.000Z']]);

    expect(restoreRecording(env, actor, r5!, 'needed for a review')).toBe(true);
    at('2027-03-05T10:00:02Z');
    const run2 = await runRetention(env, actor);
    expect(run2).toMatchObject({ graced: 1, purged: 1, bytesFreed: 0 }); // r1 purged, its object kept for r5; r5 graced again
    expect(custody.getRecording(r1!)).toBeUndefined();
    expect(fs.existsSync(objectPath(dataDir, rec1.sha256))).toBe(true);
    const purged = custody.listAudit({ event: 'recording.purged' });
    expect(purged.map((e) => e.payload)).toEqual([expect.objectContaining({
      recordingId: r1, sha256: rec1.sha256, size: 1000, category: 'routine', rule: 'routine: 3 months from recording', objectRemoved: false,
    })]);
    expect(purged[0]!.actor).toBe('000777');
    expect(retention.listTombstones(custody.ctx())).toEqual([expect.objectContaining({
      recordingId: r1, sha256: rec1.sha256, size: 1000, category: 'routine', actor: '000777', auditSeq: purged[0]!.seq, objectRemoved: false,
    })]);

    at('2027-03-12T10:00:03Z');
    const run3 = await runRetention(env, actor);
    expect(run3).toMatchObject({ purged: 1, bytesFreed: 1000 }); // r5, the last recording naming the object
    expect(fs.existsSync(objectPath(dataDir, rec1.sha256))).toBe(false);
    expect(custody.listObjects().some((o) => o.sha256 === rec1.sha256)).toBe(false);
    // Held, open-case and major footage is all still there, and verify is green.
    for (const id of [r2, r3, r4]) expect(custody.getRecording(id!)).toBeDefined();
    const v = await verifyCustody(custody, store);
    expect(verifyPassed(v)).toBe(true);
    expect(v.missing).toEqual([]);
    expect(v.tombstones).toEqual({ count: 2, problems: [] });
    // The next run deletes the retired file for good (nothing names it again).
    await runRetention(env, actor);
    expect(fs.readdirSync(path.join(dataDir, 'store', 'retired'))).toEqual([]);
  });

  it('a hold added during the grace period wins; a closed case counts from its closing, never under 6 months', async () => {
    const [a, b] = await ingest('TST0003', [500, 600]);
    cases.openCase(custody.ctx(), 'C-1', 'case');
    classify(env, actor, [b!], { category: 'case', caseNo: 'C-1' });
    at('2027-02-27T00:00:00Z');
    expect((await runRetention(env, actor)).graced).toBe(1);
    cases.addHold(custody.ctx(), { reason: 'appeal', recordingIds: [a!] });
    at('2027-03-10T00:00:00Z');
    const r = await runRetention(env, actor);
    expect(r).toMatchObject({ purged: 0, restoredFromGrace: 1 });
    expect(custody.listAudit({ event: 'retention.grace.cancelled' })[0]?.payload).toMatchObject({ recordingId: a, reason: 'hold 1: appeal' });

    cases.closeCase(custody.ctx(), 'C-1', '2026-12-01T00:00:00.000Z'); // closed early: the 6-month floor applies
    expect(planRetention(env, [b!])[0]).toMatchObject({ due: false, keepUntil: '2027-05-26T10:00:00.000Z' });
    cases.reopenCase(custody.ctx(), 'C-1');
    at('2027-06-01T00:00:00Z');
    expect(planRetention(env, [b!])[0]).toMatchObject({ due: false, keepUntil: null });
    cases.closeCase(custody.ctx(), 'C-1', '2027-05-31T00:00:00.000Z');
    expect(planRetention(env, [b!])[0]).toMatchObject({ due: false, keepUntil: '2027-08-31T00:00:00.000Z', rule: 'case: C-1 closed + 3 months' });
  });

  it('a run pins the default category, so a later change of the YAML default cannot shorten old recordings', async () => {
    const [a] = await ingest('TST0007', [100]);
    const majorByDefault = { ...env, config: { ...config, retention: { ...config.retention, defaultCategory: 'major' as const } } };
    await runRetention(majorByDefault, actor);
    expect(custody.listAudit({ event: 'recording.classified.default' })[0]?.payload).toEqual({ category: 'major', recordingIds: [a] });
    at('2028-01-01T00:00:00Z');
    expect(planRetention(env, [a!])[0]).toMatchObject({ category: 'major', due: false }); // env's default is routine now
  });

  it('classification may only lengthen retention (exit 4 otherwise), and is audited', async () => {
    const [a, b] = await ingest('TST0004', [100, 200]);
    classify(env, actor, [a!], { category: 'other', until: '2028-01-31' });
    expect(() => classify(env, actor, [a!], { category: 'routine' })).toThrow(expect.objectContaining({ exitCode: 4 }));
    expect(() => classify(env, actor, [a!], { category: 'other', until: '2027-12-31' })).toThrow(/shorten/);
    classify(env, actor, [b!], { category: 'major', importance: 3 });
    expect(() => classify(env, actor, [a!, b!], { category: 'other', until: '2030-01-01' })).toThrow(new RegExp(`recording ${b}: major → other`));
    expect(custody.getRecording(a!)).toBeDefined();
    const events = custody.listAudit({ event: 'recording.classified' });
    expect(events).toHaveLength(2);
    expect(events[1]!.payload).toMatchObject({ recordingId: b, to: { category: 'major', importance: 3, keepUntil: null } });
    expect(() => classify(env, actor, [a!], { category: 'case' })).toThrow(/needs --case/);
    const [c] = await ingest('TST0008', [300]);
    expect(() => classify(env, actor, [c!], { category: 'other', until: '2027-01-15' })).toThrow(/before the floor \(other: at least 3 months/);
  });
});

describe('a purge that cannot happen', () => {
  it('is reported and does not stop the other purges', async () => {
    const [a, b] = await ingest('TST0006', [100, 200]);
    // Another table that still refers to recording a (as an access request would) blocks its deletion.
    const db = sql();
    db.exec('CREATE TABLE pinned (recording_id INTEGER NOT NULL REFERENCES recordings(id))');
    db.prepare('INSERT INTO pinned VALUES (?)').run(a);
    db.close();
    at('2027-02-27T00:00:00Z');
    await runRetention(env, actor);
    at('2027-03-07T00:00:00Z');
    const r = await runRetention(env, actor);
    expect(r).toMatchObject({ purged: 1 });
    expect(r.errors).toEqual([expect.stringMatching(new RegExp(`^recording ${a}: .*FOREIGN KEY`))]);
    expect(custody.getRecording(a!)).toBeDefined();
    expect(custody.getRecording(b!)).toBeUndefined();
    expect(retention.listTombstones(custody.ctx()).map((t) => t.recordingId)).toEqual([b]); // the failed purge left nothing behind
    expect(custody.verifyAuditChain().ok).toBe(true);
  });
});

describe('the delete door', () => {
  it('refuses DELETE of a recording or object by any path but the retention purge', async () => {
    const [a] = await ingest('TST0005', [100]);
    const sha = custody.getRecording(a!)!.sha256;
    const db = sql();
    try {
      expect(() => db.prepare('DELETE FROM recordings WHERE id = ?').run(a)).toThrow(/deleted only by retention/);
      expect(() => db.prepare('DELETE FROM objects WHERE sha256 = ?').run(sha)).toThrow(/deleted only by retention/);
      // Opening the door by hand without leaving a tombstone does not work either.
      db.prepare('INSERT INTO purge_authorisation (id, recording_id, sha256) VALUES (1, ?, ?)').run(a, sha);
      expect(() => db.prepare('DELETE FROM recordings WHERE id = ?').run(a)).toThrow(/tombstone/);
      db.prepare('DELETE FROM purge_authorisation').run();
      db.prepare("INSERT INTO tombstones VALUES (99, ?, 1, 'X', NULL, 'p', 't', 'routine', 'r', 't', 't', 'a', 1, 0)").run(sha);
      expect(() => db.prepare('DELETE FROM tombstones').run()).toThrow(/append-only/);
    } finally {
      db.close();
    }
    // A tombstone slipped in by SQL has no recording.purged entry behind it: verify names it.
    const v = await verifyCustody(custody, store);
    expect(v.tombstones.problems).toEqual(['recording 99: tombstone names audit seq 1, which is not a recording.purged entry']);
    expect(verifyPassed(v)).toBe(false);
    // A purge of something not past its grace is refused inside the transaction.
    expect(() => retention.purgeRecording(custody.ctx(), a!, { category: 'routine', rule: 'x', keepUntil: clock.toISOString() })).toThrow(/grace/);
    expect(custody.getRecording(a!)).toBeDefined();
  });
});
