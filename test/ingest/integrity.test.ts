// verify must notice a changed object, a missing object and a rewritten audit row (exit 3).
import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { runCli } from '../helpers/cli.js';
import { tempDir, makeRandomVolume, writeConfig, objectPath, sha256File } from '../helpers/volumes.js';

let dir: string;
let cfg: { file: string; dataDir: string };
let rels: string[];
beforeEach(() => {
  dir = tempDir('integrity');
  cfg = writeConfig(dir);
  rels = makeRandomVolume(path.join(dir, 'cam'), { sizes: [4096, 8192, 16384] });
  const r = runCli(['--config', cfg.file, 'ingest', path.join(dir, 'cam'), '--json']);
  expect(r.code, r.stderr).toBe(0);
  expect(runCli(['--config', cfg.file, 'verify']).code).toBe(0);
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('verify', () => {
  it('exits 3 when one byte of a stored object is flipped', () => {
    const sha = sha256File(path.join(dir, 'cam', rels[1]!));
    const obj = objectPath(cfg.dataDir, sha);
    fs.chmodSync(obj, 0o644);
    const buf = fs.readFileSync(obj);
    buf[100] = buf[100]! ^ 0x01;
    fs.writeFileSync(obj, buf);
    const v = runCli(['--config', cfg.file, 'verify', '--json']);
    expect(v.code).toBe(3);
    expect(JSON.parse(v.stdout)).toMatchObject({ mismatched: [sha], missing: [] });
  });

  it('exits 3 when an object is missing', () => {
    const sha = sha256File(path.join(dir, 'cam', rels[0]!));
    fs.rmSync(objectPath(cfg.dataDir, sha));
    const v = runCli(['--config', cfg.file, 'verify', '--json']);
    expect(v.code).toBe(3);
    expect(JSON.parse(v.stdout).missing).toEqual([sha]);
  });

  it('exits 3 when an audit row is rewritten behind the triggers', () => {
    const db = new Database(path.join(cfg.dataDir, 'custody.db'));
    const triggers = db.prepare("SELECT name FROM sqlite_master WHERE type='trigger' AND tbl_name='audit_log'").all() as { name: string }[];
    expect(triggers.length).toBeGreaterThan(0);
    for (const t of triggers) db.exec(`DROP TRIGGER "${t.name}"`);
    const row = db.prepare("SELECT seq, payload FROM audit_log WHERE event='recording.commit' ORDER BY seq LIMIT 1").get() as { seq: number; payload: string };
    db.prepare('UPDATE audit_log SET payload = ? WHERE seq = ?').run(row.payload.replace(/"size":\d+/, '"size":1'), row.seq);
    db.close();
    const v = runCli(['--config', cfg.file, 'verify', '--json']);
    expect(v.code).toBe(3);
    const rep = JSON.parse(v.stdout);
    expect(rep.auditChain.ok).toBe(false);
    expect(rep.auditChain.problems.map((p: { seq: number }) => p.seq)).toContain(row.seq);
  });

  it('--sample checks a rotating subset', () => {
    const a = JSON.parse(runCli(['--config', cfg.file, 'verify', '--sample', '1', '--json']).stdout);
    const b = JSON.parse(runCli(['--config', cfg.file, 'verify', '--sample', '34%', '--json']).stdout);
    expect(a.checked).toBe(1);
    expect(b.checked).toBe(2);
    expect(runCli(['--config', cfg.file, 'verify', '--sample', '0']).code).toBe(2);
  });
});
