// The built-in profiles are YAML files in config/profiles/, parsed and validated at load; each
// reads back the names its simulated camera writes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  BUILTIN_PROFILES, BUILTIN_PROFILE_DIR, GENERIC_PROFILE, LABELLED_PROFILE, TIMESET_PROFILE, ZFY_PROFILE,
} from '../../src/profiles/builtin.js';
import { loadProfileDir, parseProfileText } from '../../src/profiles/yaml.js';
import { parseFileName } from '../../src/profiles/filename.js';
import { fileName, resolveSimOptions, type Personality } from '../../src/sim/index.js';
import { ConfigError } from '../../src/config/errors.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-profiles-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('built-in profiles', () => {
  it('are the YAML files of config/profiles, in file-name order', () => {
    expect(fs.readdirSync(BUILTIN_PROFILE_DIR).filter((n) => n.endsWith('.yaml')).sort())
      .toEqual(['10-zfy-generic.yaml', '20-timeset-massstorage.yaml', '30-labelled-massstorage.yaml', '90-generic.yaml']);
    expect(BUILTIN_PROFILES.map((p) => p.name)).toEqual(['zfy-generic', 'timeset-massstorage', 'labelled-massstorage', 'generic']);
  });

  it('say what the issue asks of each kind of camera', () => {
    expect(ZFY_PROFILE).toMatchObject({ identity: { method: 'zfy' }, clock: { method: 'zfy' }, zfy: { library: 'libzfy.so', password: '000000' } });
    expect(ZFY_PROFILE.match.usb.length).toBeGreaterThan(0);
    expect(TIMESET_PROFILE).toMatchObject({
      identity: { method: 'identityFile', file: 'DEVINFO.TXT', fallback: 'usbSerial' },
      clock: { method: 'timesetFile', file: 'TIMESET.txt', format: 'YYYY-MM-DD HH:mm:ss' },
    });
    expect(TIMESET_PROFILE.clock.format).toHaveLength(19);
    expect(LABELLED_PROFILE).toMatchObject({ identity: { method: 'label' }, match: { labelPattern: '^[0-9A-Z]{7}$' } });
    expect(GENERIC_PROFILE).toMatchObject({ identity: { method: 'identityFile', file: 'DEVICE.ID' }, match: { markerFile: 'DEVICE.ID' } });
    for (const p of BUILTIN_PROFILES) expect(p.wipe).toBe('never');
  });

  const cases: [Personality, typeof ZFY_PROFILE, { serial?: string; badge?: string }][] = [
    ['generic', GENERIC_PROFILE, { serial: 'ABC1234', badge: '000123' }],
    ['zfy', ZFY_PROFILE, { serial: 'ABC1234', badge: '000123' }],
    ['timeset', TIMESET_PROFILE, {}],
    ['labelled', LABELLED_PROFILE, { badge: '000123' }],
  ];
  it.each(cases)('%s: the profile reads the simulated camera\'s names back (start, seq, ids)', (personality, profile, ids) => {
    const o = resolveSimOptions({ personality, serial: 'ABC1234', badge: '000123', timezone: '+08:00' });
    const at = new Date('2026-11-26T00:30:05Z');
    for (const kind of ['video', 'photo', 'audio'] as const) {
      const name = fileName(o, kind, at, 7);
      expect(profile.files.some((g) => path.posix.matchesGlob(`DCIM/100MEDIA/${name}`, g)), name).toBe(true);
      expect(parseFileName(profile, name, '+08:00')).toEqual({ start: at, seq: 7, ...ids });
    }
  });
});

describe('profile YAML files', () => {
  it('a new camera model is one more file', () => {
    const dir = path.join(tmp, 'more');
    fs.mkdirSync(dir);
    fs.copyFileSync(path.join(BUILTIN_PROFILE_DIR, '90-generic.yaml'), path.join(dir, '90-generic.yaml'));
    fs.writeFileSync(path.join(dir, '50-acme.yml'), [
      'name: acme-dsj', 'match:', '  vendor: "^ACME"', 'identity:', '  method: usbSerial', "  pattern: '^SN(?<serial>[0-9A-Z]{7})$'",
      'files: ["DCIM/**/*.MOV"]', 'clock: {method: timesetFile, file: TIME.TXT, format: "YYYY/MM/DD HH:mm:ss"}', '',
    ].join('\n'));
    const profiles = loadProfileDir(dir);
    expect(profiles.map((p) => p.name)).toEqual(['acme-dsj', 'generic']);
    expect(profiles[0]).toMatchObject({ match: { usb: [], vendor: '^ACME' }, clock: { file: 'TIME.TXT' }, wipe: 'never' });
  });

  const bad: [string, string, RegExp][] = [
    ['a zfy method without a library', 'name: x\nidentity: {method: zfy}\nfiles: [a]\n', /bad\.yaml:2:20: identity\.method: method zfy needs a zfy/],
    ['an identity file method without a file', 'name: x\nidentity:\n  method: identityFile\nfiles: [a]\n', /bad\.yaml:\d+:\d+.*identity\.file/],
    ['a regex that does not compile', "name: x\nmatch:\n  labelPattern: '(['\nidentity: {method: label}\nfiles: [a]\n", /bad\.yaml:3:17.*match\.labelPattern/],
    ['an unknown key', 'name: x\nidentity: {method: label}\nfiles: [a]\nwipe_after: yes\n', /bad\.yaml:.*wipe_after|Unrecognized key/],
    ['a fallback to the vendor interface', 'name: x\nidentity: {method: label, fallback: zfy}\nfiles: [a]\n', /identity\.fallback/],
  ];
  it.each(bad)('refuses %s with file:line:col', (_what, text, message) => {
    let err: unknown;
    try { parseProfileText(text, 'bad.yaml'); } catch (e) { err = e; }
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(message);
  });
});
