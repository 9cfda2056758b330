import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { ConfigError, EMBEDDED_SOURCE, loadConfig, type ConfigIssue } from '../../src/config/load.js';
import { BUILTIN_PROFILES } from '../../src/profiles/builtin.js';
import { useTmp } from './tmp.js';

const tmp = useTmp();

/** Loads `text` as a config file and returns the ConfigError it must raise. */
function failing(text: string): { err: ConfigError; file: string } {
  const file = tmp.write('evidock.yaml', text);
  try {
    loadConfig({ file, env: {} });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return { err: err as ConfigError, file };
  }
  throw new Error('expected a ConfigError');
}

const issueAt = (issues: readonly ConfigIssue[], p: string) => issues.find((i) => i.path === p);

describe('loadConfig: where the configuration comes from', () => {
  it('uses the embedded default when there is no file, with dataDir under the working directory', () => {
    const loaded = loadConfig({ env: {}, cwd: tmp.dir() });
    expect(loaded.source).toBe(EMBEDDED_SOURCE);
    expect(loaded.config.dataDir).toBe(path.join(tmp.dir(), 'var/evidock'));
    expect(loaded.config.ingest.concurrency).toBe(16);
    expect(loaded.config.officers).toEqual([]);
    expect(loaded.profiles).toBe(BUILTIN_PROFILES);
  });

  it('honours $EVIDOCK_CONFIG', () => {
    const file = tmp.write('env.yaml', 'dataDir: /srv/evidence\ningest:\n  concurrency: 4\n');
    const loaded = loadConfig({ env: { EVIDOCK_CONFIG: file } });
    expect(loaded.source).toBe(file);
    expect(loaded.config.dataDir).toBe('/srv/evidence');
    expect(loaded.config.ingest.concurrency).toBe(4);
  });

  it('prefers an explicit file over $EVIDOCK_CONFIG', () => {
    const fromEnv = tmp.write('env.yaml', 'dataDir: /from/env\n');
    const explicit = tmp.write('explicit.yaml', 'dataDir: /from/flag\n');
    const loaded = loadConfig({ file: explicit, env: { EVIDOCK_CONFIG: fromEnv } });
    expect(loaded.config.dataDir).toBe('/from/flag');
  });

  it('resolves a relative dataDir and dock roots against the config file directory, not the cwd', () => {
    const file = tmp.write('etc/evidock.yaml', 'dataDir: ../data\ndock:\n  roots: [mnt, /media/cams]\n');
    const loaded = loadConfig({ file, env: {}, cwd: '/' });
    expect(loaded.config.dataDir).toBe(path.join(tmp.dir(), 'data'));
    expect(loaded.config.dock.roots).toEqual([path.join(tmp.dir(), 'etc/mnt'), '/media/cams']);
  });

  it('treats an empty file as all defaults', () => {
    const file = tmp.write('empty.yaml', '# nothing configured yet\n');
    const loaded = loadConfig({ file, env: {} });
    expect(loaded.config.dataDir).toBe(path.join(tmp.dir(), 'var/evidock'));
    expect(loaded.config.log.level).toBe('info');
  });

  it('uses the profiles of the file when given, else the built-in ones', () => {
    const file = tmp.write('p.yaml', [
      'profiles:',
      '  - name: labelled',
      '    match: {labelPattern: "^DSJ_"}',
      '    identity: {method: label}',
      '    files: ["DCIM/**/*.MP4"]',
      '',
    ].join('\n'));
    const loaded = loadConfig({ file, env: {} });
    expect(loaded.profiles.map((p) => p.name)).toEqual(['labelled']);
    expect(loaded.profiles[0]?.startFormat).toBe('YYYYMMDDHHmmss');
  });

  it('reports an unreadable file as a ConfigError', () => {
    const file = path.join(tmp.dir(), 'missing.yaml');
    expect(() => loadConfig({ file, env: {} })).toThrow(/missing\.yaml: cannot read configuration: no such file/);
    try { loadConfig({ file, env: {} }); } catch (err) { expect((err as ConfigError).exitCode).toBe(2); }
  });
});

describe('loadConfig: errors carry file:line:col', () => {
  it('reports an unclosed quote at the opening quote', () => {
    const { err, file } = failing('dataDir: /srv\nunit:\n  name: "Unit one\n  code: "1"\n');
    expect(err.exitCode).toBe(2);
    expect(err.message).toContain(`${file}:3:9: YAML syntax: Missing closing "quote`);
  });

  it('reports bad indentation with its line', () => {
    const { err, file } = failing('ingest:\n  concurrency: 2\n   extra: 1\n');
    expect(err.issues.length).toBeGreaterThan(0);
    expect(err.message).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2:\\d+: YAML syntax:`, 'm'));
  });

  it('reports duplicate keys', () => {
    const { err } = failing('log:\n  level: info\nlog:\n  level: debug\n');
    expect(err.message).toMatch(/:3:1: YAML syntax: Map keys must be unique/);
  });

  it('points a wrong type at a nested key to its line and key path', () => {
    const { err, file } = failing('dataDir: /srv\nunit: {name: x}\ningest: {concurrency: "x"}\n');
    expect(err.message).toContain(`${file}:3:23: ingest.concurrency:`);
    expect(err.message).toContain(':3:');
    expect(err.message).toMatch(/expected number, received string/);
  });

  it('lists every problem, in file order', () => {
    const { err } = failing('log:\n  level: loud\ningest:\n  concurrency: 99\ntimezone: CET\n');
    expect(err.issues.map((i) => [i.line, i.path])).toEqual([
      [2, 'log.level'], [4, 'ingest.concurrency'], [5, 'timezone'],
    ]);
    expect(err.message.split('\n')).toHaveLength(3);
  });

  it('rejects unknown keys at the key, naming the allowed ones', () => {
    const { err, file } = failing('dataDir: /srv\ningest:\n  concurency: 2\n');
    expect(err.message).toContain(`${file}:3:3: ingest.concurency: unknown key (allowed here: concurrency)`);
  });

  it('rejects unknown top-level keys', () => {
    const { err } = failing('dataDir: /srv\nstoragee: /x\n');
    expect(issueAt(err.issues, 'storagee')).toMatchObject({ line: 2, col: 1 });
  });

  it('points a missing required key at the mapping that lacks it', () => {
    const { err } = failing('officers:\n  - badge: "000123"\n  - name: 李四\n');
    expect(issueAt(err.issues, 'officers[1].badge')).toMatchObject({ line: 3, col: 5, message: 'required key is missing (expected string)' });
    expect(issueAt(err.issues, 'officers[0].name')).toMatchObject({ line: 2, col: 5 });
  });

  it('suggests quotes when YAML turned an identifier into a number', () => {
    const { err } = failing('officers:\n  - badge: 000123\n    name: 张三\n');
    expect(issueAt(err.issues, 'officers[0].badge')?.message).toContain('write it in quotes ("000123")');
  });

  it('rejects a profile regex that does not compile, at its position', () => {
    const { err, file } = failing([
      'profiles:',
      '  - name: broken',
      '    match: {labelPattern: "[DSJ"}',
      '    identity: {method: label}',
      '    files: ["*.MP4"]',
      '    filename: "^(?<start>\\\\d+"',
      '',
    ].join('\n'));
    expect(err.message).toContain(`${file}:6:15: profiles[0].filename: Invalid regular expression`);
    expect(err.message).toContain(`${file}:3:27: profiles[0].match.labelPattern: Invalid regular expression`);
  });

  it('rejects duplicate profile names, badges and serials', () => {
    const { err } = failing([
      'officers:',
      '  - {badge: "000001", name: A}',
      '  - {badge: "000001", name: B}',
      'devices:',
      '  - serial: ABC1234',
      '  - serial: ABC1234',
      'profiles:',
      '  - {name: cam, identity: {method: label}, files: ["*"]}',
      '  - {name: cam, identity: {method: usbSerial}, files: ["*"]}',
      '',
    ].join('\n'));
    expect(issueAt(err.issues, 'officers[1].badge')).toMatchObject({ line: 3, message: 'duplicate badge "000001" (also officers[0])' });
    expect(issueAt(err.issues, 'devices[1].serial')).toMatchObject({ line: 6 });
    expect(issueAt(err.issues, 'profiles[1].name')).toMatchObject({ line: 9, message: expect.stringContaining('duplicate profile name "cam"') });
  });

  it('rejects a document that is not a mapping', () => {
    const { err, file } = failing('- dataDir: /srv\n');
    expect(err.message).toBe(`${file}:1:1: the configuration must be a mapping of keys (dataDir:, officers:, ...)`);
  });

  it('reports an alias to a missing anchor', () => {
    const { err } = failing('dataDir: /srv\nlog: *nowhere\n');
    expect(err.issues[0]).toMatchObject({ line: 2, col: 6 });
  });
});
