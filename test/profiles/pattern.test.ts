// Profile patterns run in linear time (issue 7, defect 13): a catastrophic-backtracking pattern
// that froze the station for minutes on one 34-character name now answers at once, and what RE2
// cannot run is refused at load with its file:line:col.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { compilePattern } from '../../src/profiles/pattern.js';
import { parseFileName } from '../../src/profiles/filename.js';
import { identityFromValue } from '../../src/profiles/identity.js';
import { evaluateRules } from '../../src/profiles/match.js';
import { parseConfigText } from '../../src/config/validate.js';
import { profileSchema } from '../../src/config/schema.js';
import { tempDir } from '../helpers/volumes.js';
import { runCli } from '../helpers/cli.js';

const EVIL = '^(?<serial>(\\w+)+)_(?<seq>\\d{4})\\.';
const profile = profileSchema.parse({ name: 'evil', identity: { method: 'label' }, files: ['DCIM/**/*.MP4'], filename: EVIL });

describe('profile patterns', () => {
  it('the nested-quantifier pattern is accepted and runs in linear time on a hostile name', () => {
    // On a backtracking engine this one call takes minutes (the test would time out).
    expect(parseFileName(profile, `${'a'.repeat(34)}!`, '+00:00')).toEqual({});
    expect(parseFileName(profile, `${'a'.repeat(5000)}!`, '+00:00')).toEqual({});
    expect(parseFileName(profile, 'ABC1234_0001.MP4', '+00:00')).toEqual({ serial: 'ABC1234', seq: 1 });
  });

  it('named groups, case-insensitive rules and identity patterns work as before', () => {
    expect(compilePattern('^(?<serial>[0-9A-Z]{7})(?:_(?<badge>\\d{6}))?$').groups('KND0001')).toEqual({ serial: 'KND0001' });
    expect(identityFromValue('KND0001_000123', '^(?<serial>[0-9A-Z]{7})_(?<badge>\\d{6})$')).toEqual({ serial: 'KND0001', badge: '000123' });
    const p = profileSchema.parse({ name: 'v', match: { vendor: '^zfy$' }, identity: { method: 'label' }, files: ['*'] });
    expect(evaluateRules(p, { vendor: 'ZFY' })).toEqual([{ rule: 'vendor', observed: true, ok: true }]);
  });

  it('lookahead and backreferences are refused at load, at their position', () => {
    const text = ['profiles:', '  - name: la', '    identity: {method: label}', '    files: ["*.MP4"]',
      '    filename: "^(?=x)(?<serial>\\\\w+)"', '    match: {labelPattern: "(a)\\\\1"}', ''].join('\n');
    expect(() => parseConfigText(text, 'evil.yaml')).toThrow(/evil\.yaml:5:15: profiles\[0\]\.filename: Invalid regular expression.*RE2 syntax/);
    expect(() => parseConfigText(text, 'evil.yaml')).toThrow(/evil\.yaml:6:27: profiles\[0\]\.match\.labelPattern: Invalid regular expression/);
  });

  it('evidock ingest of a camera whose names would backtrack forever completes', () => {
    const dir = tempDir('redos');
    try {
      const cam = path.join(dir, 'cam', 'DCIM');
      fs.mkdirSync(cam, { recursive: true });
      fs.writeFileSync(path.join(cam, `${'a'.repeat(34)}.MP4`), 'x');
      fs.writeFileSync(path.join(dir, 'evidock.yaml'), [`dataDir: ${JSON.stringify(path.join(dir, 'data'))}`, 'profiles:', '  - name: evil',
        '    match: {markerFile: DCIM}', '    identity: {method: label}', '    files: ["DCIM/**/*.MP4"]', `    filename: '${EVIL}'`, ''].join('\n'));
      const r = runCli(['--config', path.join(dir, 'evidock.yaml'), 'ingest', path.join(dir, 'cam'), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ files: 1, stored: 1 });
    } finally { fs.rmSync(dir, { recursive: true, force: true }); }
  });
});
