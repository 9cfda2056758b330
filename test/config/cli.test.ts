// `evidock config check|show` through the built CLI (build first: tsc -p tsconfig.json).
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parse } from 'yaml';
import { runCli, ROOT } from '../helpers/cli.js';
import { useTmp } from './tmp.js';

const tmp = useTmp();
const env = { EVIDOCK_CONFIG: '' };

describe('evidock config check', () => {
  it('exits 0 and summarises a valid file', () => {
    const file = tmp.write('ok.yaml', 'dataDir: data\nofficers:\n  - {badge: "000123", name: 张伟}\n');
    const r = runCli(['--config', file, 'config', 'check'], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`OK: ${file}`);
    expect(r.stdout).toContain(path.join(tmp.dir(), 'data'));
    expect(r.stdout).toMatch(/profiles: zfy-generic, timeset-massstorage, labelled-massstorage, generic \(built-in\)/);
    expect(r.stdout).toMatch(/officers: 1/);
  });

  it('uses the embedded default without a file', () => {
    const r = runCli(['config', 'check'], { env, cwd: tmp.dir() });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('OK: embedded default');
    expect(r.stdout).toContain(path.join(tmp.dir(), 'var/evidock'));
  });

  it('exits 2 with file:line:col on stderr for a schema error', () => {
    const file = tmp.write('bad.yaml', 'dataDir: /srv\nlog:\n  level: loud\n');
    const r = runCli(['--config', file, 'config', 'check'], { env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`${file}:3:10: log.level:`);
  });

  it('exits 2 with file:line:col for malformed YAML', () => {
    const file = tmp.write('broken.yaml', 'dataDir: "/srv\nlog: {}\n');
    const r = runCli(['--config', file, 'config', 'check'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:1:10: YAML syntax:`);
  });

  it('--json gives the problems as data', () => {
    const file = tmp.write('bad.yaml', 'ingest:\n  concurrency: 0\n');
    const r = runCli(['--config', file, 'config', 'check', '--json'], { env });
    expect(r.code).toBe(2);
    const out = JSON.parse(r.stdout);
    expect(out.ok).toBe(false);
    expect(out.errors).toEqual([expect.objectContaining({ file, line: 2, col: 16, path: 'ingest.concurrency' })]);
  });

  it('--json summary for a valid file', () => {
    const r = runCli(['--config', path.join(ROOT, 'config/evidock.example.yaml'), 'config', 'check', '--json'], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, dataDir: '/var/lib/evidock', profiles: ['generic'], builtinProfiles: false });
  });
});

describe('evidock config show', () => {
  it('prints the effective configuration as YAML that loads back to the same thing', () => {
    const file = tmp.write('c.yaml', 'dataDir: data\nofficers:\n  - {badge: "000123", name: 张伟}\n');
    const r = runCli(['--config', file, 'config', 'show'], { env });
    expect(r.code).toBe(0);
    const shown = parse(r.stdout);
    expect(shown.dataDir).toBe(path.join(tmp.dir(), 'data'));
    expect(shown.officers[0]).toEqual({ badge: '000123', name: '张伟', roles: ['officer'] });
    expect(shown.profiles.map((p: { name: string }) => p.name)).toEqual(['zfy-generic', 'timeset-massstorage', 'labelled-massstorage', 'generic']);

    const again = tmp.write('again.yaml', r.stdout);
    const r2 = runCli(['--config', again, 'config', 'show'], { env });
    expect(r2.code).toBe(0);
    expect(parse(r2.stdout)).toEqual(shown);
  });

  it('exits 2 on an invalid file', () => {
    const file = tmp.write('bad.yaml', 'nope: 1\n');
    const r = runCli(['--config', file, 'config', 'show'], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}:1:1: nope: unknown key`);
  });
});
