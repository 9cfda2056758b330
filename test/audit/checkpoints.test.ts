// Signed checkpoints: a consistent forgery (triggers dropped, one payload changed, every later hash
// recomputed) and a truncation pass the chain's own check but not the checkpoints kept outside the
// database; a checkpoint verifies with the openssl command line alone; the chain recomputes from
// `audit log --json` in a few lines.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openCustody, canonicalJson, auditEntryHash, GENESIS_HASH, type Custody } from '../../src/custody/index.js';
import { auditVerify, writeCheckpoint } from '../../src/audit/checkpoints.js';
import { configSchema } from '../../src/config/schema.js';
import { runCli } from '../helpers/cli.js';

let dir: string;
let custody: Custody;
let outside: string;
const configFor = (d: string) => configSchema.parse({ dataDir: path.join(d, 'data'), audit: { station: 'st1', checkpointDirs: [path.join(d, 'share')] } });

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-cp-'));
  outside = path.join(dir, 'share');
  custody = openCustody(path.join(dir, 'data'));
  for (let i = 0; i < 10; i++) custody.appendAudit('test.event', { i, note: `entry ${i}` });
});
afterEach(() => {
  custody.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** What someone holding custody.db can do: drop the triggers, change an entry, re-hash every later one. */
function forge(file: string, seq: number): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete;');
  const rows = db.prepare('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq').all(seq) as
    { seq: number; at: string; actor: string; event: string; payload: string; os_user: string | null; prev_hash: string }[];
  let prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = ?').get(seq - 1) as { hash: string }).hash;
  const upd = db.prepare('UPDATE audit_log SET payload = ?, prev_hash = ?, hash = ? WHERE seq = ?');
  db.transaction(() => {
    for (const r of rows) {
      const payload = r.seq === seq ? { i: 999, note: 'forged' } : JSON.parse(r.payload);
      const hash = auditEntryHash(r.seq, prev, { at: r.at, actor: r.actor, event: r.event, payload, osUser: r.os_user });
      upd.run(canonicalJson(payload), prev, 'x'.repeat(64) + r.seq, r.seq); // hash is UNIQUE: park first
      upd.run(canonicalJson(payload), prev, hash, r.seq);
      prev = hash;
    }
  })();
  db.close();
}

function truncate(file: string, fromSeq: number): void {
  const db = new Database(file);
  db.exec('DROP TRIGGER audit_log_no_delete;');
  db.prepare('DELETE FROM audit_log WHERE seq >= ?').run(fromSeq);
  db.close();
}

describe('signed audit checkpoints', () => {
  it('are written to <dataDir>/checkpoints and every checkpointDirs entry, and verify clean', () => {
    const config = configFor(dir);
    const w = writeCheckpoint(custody, config);
    expect(w.seq).toBe(10);
    expect(w.file.startsWith(path.join(dir, 'data', 'checkpoints'))).toBe(true);
    expect(w.copies).toHaveLength(1);
    expect(fs.statSync(path.join(dir, 'data', 'keys', 'station.key')).mode & 0o777).toBe(0o600);
    const cp = JSON.parse(fs.readFileSync(w.file, 'utf8'));
    expect(Object.keys(cp).sort()).toEqual(['at', 'hash', 'seq', 'station', 'v']);
    const r = auditVerify(custody, config);
    expect(r).toMatchObject({ ok: true, entries: 10, head: { seq: 10 }, checkpoints: { count: 2, ok: 2, failed: [] } });
  });

  it('catch a consistent forgery the chain alone accepts (rewritten)', () => {
    const config = configFor(dir);
    writeCheckpoint(custody, config);
    custody.appendAudit('test.event', { i: 10 });
    custody.close();
    forge(path.join(dir, 'data', 'custody.db'), 4);
    custody = openCustody(path.join(dir, 'data'));
    expect(custody.verifyAuditChain().ok).toBe(true); // the forgery is consistent
    // Even with <dataDir>/checkpoints deleted, the copy on the share catches it.
    fs.rmSync(path.join(dir, 'data', 'checkpoints'), { recursive: true });
    const r = auditVerify(custody, config);
    expect(r.ok).toBe(false);
    expect(r.checkpoints.failed).toEqual([expect.objectContaining({ seq: 10, problem: 'rewritten' })]);
  });

  it('catch a truncation (last entries deleted)', () => {
    const config = configFor(dir);
    writeCheckpoint(custody, config);
    custody.close();
    truncate(path.join(dir, 'data', 'custody.db'), 8);
    custody = openCustody(path.join(dir, 'data'));
    expect(custody.verifyAuditChain().ok).toBe(true);
    const r = auditVerify(custody, config);
    expect(r.ok).toBe(false);
    expect(r.checkpoints.failed.map((f) => f.problem)).toEqual(['truncated', 'truncated']);
    expect(r.problems[0]!.problem).toMatch(/truncated: checkpoint at seq 10, the chain ends at seq 7/);
  });

  it('name a checkpoint whose signature does not verify', () => {
    const config = configFor(dir);
    const w = writeCheckpoint(custody, config);
    const sig = fs.readFileSync(w.signatureFile);
    sig[0] = sig[0]! ^ 1;
    fs.writeFileSync(w.signatureFile, sig);
    const r = auditVerify(custody, config);
    expect(r.checkpoints.failed).toEqual([expect.objectContaining({ file: w.file, problem: 'bad signature' })]);
    // A forged checkpoint (content changed, old signature) is named the same way.
    const copy = path.join(outside, path.basename(w.file));
    fs.writeFileSync(copy, fs.readFileSync(copy, 'utf8').replace(/"seq":10/, '"seq":11'));
    expect(auditVerify(custody, config).checkpoints.failed.map((f) => f.problem)).toEqual(['bad signature', 'bad signature']);
  });
});

describe('evidock audit (CLI)', () => {
  it('checkpoint --json, pubkey, openssl verifies it; log --json recomputes the chain; verify exits 3 after a forgery', () => {
    custody.close();
    const cfg = path.join(dir, 'evidock.yaml');
    fs.writeFileSync(cfg, `dataDir: data\naudit:\n  station: st1\n`);
    const cp = runCli(['--config', cfg, 'audit', 'checkpoint', '--json']);
    expect(cp.code, cp.stderr).toBe(0);
    const out = JSON.parse(cp.stdout) as { seq: number; hash: string; at: string; file: string; signatureFile: string };
    expect(Object.keys(out).sort()).toEqual(['at', 'file', 'hash', 'seq', 'signatureFile']);
    expect(out.seq).toBe(11); // ten entries and the roster's first sync (the station's unit)

    const pub = runCli(['--config', cfg, 'audit', 'pubkey']);
    expect(pub.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    const pem = path.join(dir, 'station.pub.pem');
    fs.writeFileSync(pem, pub.stdout);
    const ossl = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pem, '-rawin', '-in', out.file, '-sigfile', out.signatureFile], { encoding: 'utf8' });
    expect(ossl.stdout + ossl.stderr).toMatch(/Signature Verified Successfully/);
    expect(ossl.status).toBe(0);
    fs.appendFileSync(out.file, ' ');
    const bad = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', pem, '-rawin', '-in', out.file, '-sigfile', out.signatureFile], { encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    fs.writeFileSync(out.file, fs.readFileSync(out.file, 'utf8').trimEnd());

    // The README's recipe: the chain from `audit log --json`, recomputed without evidock's code.
    const log = JSON.parse(runCli(['--config', cfg, 'audit', 'log', '--json']).stdout) as
      { seq: number; at: string; actor: string; event: string; payload: unknown; osUser: string | null; prevHash: string; hash: string }[];
    const canon = (v: unknown): string => v === null || typeof v !== 'object' ? JSON.stringify(v)
      : Array.isArray(v) ? `[${v.map(canon).join(',')}]`
        : `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
    let prev = GENESIS_HASH;
    for (const e of log) {
      const body = canon({ at: e.at, actor: e.actor, event: e.event, payload: e.payload, ...(e.osUser === null ? {} : { osUser: e.osUser }) });
      const h = createHash('sha256').update(`evidock-audit-v1\n${e.seq}\n${prev}\n${body}`).digest('hex');
      expect(h).toBe(e.hash);
      prev = h;
    }
    expect(prev).toBe(out.hash);

    const ok = runCli(['--config', cfg, 'audit', 'verify', '--json']);
    expect(ok.code, ok.stdout + ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, checkpoints: { count: 1, ok: 1, failed: [] }, problems: [] });

    const share = path.join(dir, 'elsewhere');
    fs.mkdirSync(share);
    fs.cpSync(out.file, path.join(share, path.basename(out.file)));
    fs.cpSync(out.signatureFile, path.join(share, path.basename(out.signatureFile)));
    forge(path.join(dir, 'data', 'custody.db'), 3);
    fs.rmSync(path.join(dir, 'data', 'checkpoints'), { recursive: true });
    const r = runCli(['--config', cfg, 'audit', 'verify', '--checkpoints', share, '--json']);
    expect(r.code).toBe(3);
    const rep = JSON.parse(r.stdout);
    expect(rep).toMatchObject({ ok: false, entries: expect.any(Number), head: { seq: expect.any(Number), hash: expect.any(String) },
      checkpoints: { count: 1, ok: 0, failed: [expect.objectContaining({ problem: 'rewritten', seq: 11 })] } });
    expect(rep.problems.length).toBeGreaterThan(0);
  });
});
