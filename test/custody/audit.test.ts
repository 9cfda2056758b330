import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { GENESIS_HASH, auditEntryHash, openCustody, type Custody } from '../../src/custody/index.js';
import { spawnWorker, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let custody: Custody;
beforeEach(() => { tmp = tempDir(); custody = openCustody(tmp.dir, { actor: 'tester' }); });
afterEach(() => { custody.close(); tmp.cleanup(); });

/** A raw connection with the append-only triggers dropped: what an attacker with file access can do. */
function tamper(fn: (db: Database.Database) => void): void {
  const db = new Database(path.join(tmp.dir, 'custody.db'));
  try {
    db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
    fn(db);
  } finally { db.close(); }
}

function appendN(n: number): void {
  for (let i = 1; i <= n; i++) custody.appendAudit('test.event', { i, note: `entry ${i}` });
}

describe('audit chain', () => {
  it('hashes the documented bytes: domain tag, seq, prev hash, canonical JSON', () => {
    const fields = { at: '2026-11-26T08:30:00.000Z', actor: 'system', event: 'x', payload: { b: 1, a: [2] } };
    const expected = createHash('sha256')
      .update('evidock-audit-v1\n1\n' + '0'.repeat(64) + '\n{"actor":"system","at":"2026-11-26T08:30:00.000Z","event":"x","payload":{"a":[2],"b":1}}')
      .digest('hex');
    expect(auditEntryHash(1, GENESIS_HASH, fields)).toBe(expected);
  });

  it('starts at the genesis hash and links every entry', () => {
    expect(custody.verifyAuditChain()).toEqual({ ok: true, entries: 0, head: GENESIS_HASH, problems: [] });
    const first = custody.appendAudit('a', { x: 1 });
    const second = custody.appendAudit('b', { y: [1, 2] }, 'officer:000123');
    expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, actor: 'tester' });
    expect(second).toMatchObject({ seq: 2, prevHash: first.hash, actor: 'officer:000123' });
    expect(custody.verifyAuditChain()).toEqual({ ok: true, entries: 2, head: second.hash, problems: [] });
    expect(custody.auditHead()).toEqual({ seq: 2, hash: second.hash });
    expect(custody.listAudit({ event: 'b' })).toEqual([second]);
  });

  it('stores the payload as canonical JSON', () => {
    custody.appendAudit('a', { b: 1, a: { d: 2, c: 3 } });
    const db = new Database(path.join(tmp.dir, 'custody.db'), { readonly: true });
    try {
      expect(db.prepare('SELECT payload FROM audit_log').pluck().get()).toBe('{"a":{"c":3,"d":2},"b":1}');
    } finally { db.close(); }
  });

  it('reports an altered entry by its seq', () => {
    appendN(5);
    tamper((db) => db.prepare(`UPDATE audit_log SET payload = '{"i":3,"note":"forged"}' WHERE seq = 3`).run());
    const v = custody.verifyAuditChain();
    expect(v.ok).toBe(false);
    expect(v.entries).toBe(5);
    expect(v.problems).toEqual([{ seq: 3, problem: 'hash does not match the entry contents' }]);
  });

  it('reports an entry re-hashed after alteration at the next link', () => {
    appendN(5);
    const row = custody.listAudit().find((e) => e.seq === 3)!;
    const forged = { ...row, actor: 'mallory' };
    const hash = auditEntryHash(3, row.prevHash, forged);
    tamper((db) => db.prepare('UPDATE audit_log SET actor = ?, hash = ? WHERE seq = 3').run('mallory', hash));
    expect(custody.verifyAuditChain().problems).toEqual([{ seq: 4, problem: 'prev_hash does not link to the previous entry' }]);
  });

  it('reports a deleted middle entry', () => {
    appendN(6);
    tamper((db) => db.prepare('DELETE FROM audit_log WHERE seq = 4').run());
    const v = custody.verifyAuditChain();
    expect(v.ok).toBe(false);
    expect(v.entries).toBe(5);
    expect(v.problems).toEqual([
      { seq: 4, problem: 'entry missing' },
      { seq: 5, problem: 'prev_hash does not link to the previous entry' },
    ]);
  });

  it('collects every problem instead of stopping at the first', () => {
    appendN(8);
    tamper((db) => {
      db.prepare('DELETE FROM audit_log WHERE seq IN (1, 2)').run();
      db.prepare(`UPDATE audit_log SET event = 'other' WHERE seq = 6`).run();
      db.prepare(`UPDATE audit_log SET payload = '{ "i": 8, "note": "entry 8" }' WHERE seq = 8`).run();
    });
    expect(custody.verifyAuditChain().problems).toEqual([
      { seq: 1, problem: 'entries 1..2 missing' },
      { seq: 3, problem: 'prev_hash does not link to the previous entry' },
      { seq: 6, problem: 'hash does not match the entry contents' },
      { seq: 8, problem: 'payload is not in canonical form' },
    ]);
  });

  it('detects truncation of the tail against an external checkpoint', () => {
    appendN(4);
    const head = custody.auditHead();
    expect(custody.verifyAuditChain([head]).ok).toBe(true);
    tamper((db) => db.prepare('DELETE FROM audit_log WHERE seq >= 3').run());
    expect(custody.verifyAuditChain([head]).problems).toEqual([{ seq: 4, problem: 'checkpointed entry is missing (log truncated?)' }]);
  });

  it('keeps one chain when two connections interleave appends', () => {
    const other = openCustody(tmp.dir, { actor: 'other' });
    try {
      for (let i = 0; i < 200; i++) {
        (i % 2 === 0 ? custody : other).appendAudit('test.interleave', { i });
        if (i % 3 === 0) other.appendAudit('test.interleave', { extra: i });
      }
      const v = other.verifyAuditChain();
      expect(v).toMatchObject({ ok: true, entries: 267, problems: [] });
      expect(custody.verifyAuditChain().head).toBe(v.head);
    } finally { other.close(); }
  });

  it('keeps one chain when two processes append concurrently', async () => {
    custody.close();
    // Both workers open (and migrate) a fresh database at the same time, then append 200 each.
    const fresh = path.join(tmp.dir, 'fresh');
    const workers = [spawnWorker(['append', fresh, 'w1', '200']), spawnWorker(['append', fresh, 'w2', '200'])];
    for (const w of workers) expect(await w.line()).toBe('ready');
    for (const w of workers) w.child.stdin.write('go\n');
    for (const w of workers) expect(await w.line()).toBe('done');
    for (const w of workers) expect(await w.exited).toBe(0);
    custody = openCustody(fresh);
    const v = custody.verifyAuditChain();
    expect(v).toMatchObject({ ok: true, entries: 400, problems: [] });
    const actors = custody.listAudit().map((e) => e.actor);
    expect(actors.filter((a) => a === 'w1')).toHaveLength(200);
    const switches = actors.filter((a, i) => i > 0 && a !== actors[i - 1]).length;
    expect(switches).toBeGreaterThan(1); // they really did interleave
    const perWorker = custody.listAudit().filter((e) => e.actor === 'w2').map((e) => (e.payload as { i: number }).i);
    expect(perWorker).toEqual([...Array(200).keys()]); // each process's entries in its own order
  });
});

describe('actor and OS user in every entry', () => {
  let tmp2: ReturnType<typeof tempDir>;
  afterEach(() => tmp2?.cleanup());

  it('records the actor and OS user of the handle; the OS user is hashed, entries without one keep the old hash', () => {
    tmp2 = tempDir();
    const c = openCustody(tmp2.dir, { actor: 'A00001', osUser: 'alice' });
    const e = c.appendAudit('test.event', { n: 1 });
    expect(e).toMatchObject({ actor: 'A00001', osUser: 'alice' });
    c.setActor('system', null);
    const old = c.appendAudit('test.event', { n: 2 });
    expect(old.osUser).toBeNull();
    // Without an OS user the body is exactly the pre-version-6 one.
    const body = JSON.stringify({ actor: 'system', at: old.at, event: 'test.event', payload: { n: 2 } });
    expect(old.hash).toBe(createHash('sha256').update(`evidock-audit-v1\n${old.seq}\n${old.prevHash}\n${body}`).digest('hex'));
    expect(c.listAudit().map((x) => [x.actor, x.osUser])).toEqual([['A00001', 'alice'], ['system', null]]);
    c.close();
    const db = new Database(path.join(tmp2.dir, 'custody.db'));
    db.exec('DROP TRIGGER audit_log_no_update');
    db.prepare("UPDATE audit_log SET os_user = 'mallory' WHERE seq = 1").run();
    db.close();
    const again = openCustody(tmp2.dir);
    expect(again.verifyAuditChain().problems).toEqual([{ seq: 1, problem: 'hash does not match the entry contents' }]);
    again.close();
  });
});
