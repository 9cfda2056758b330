// The udev rules generator: table tests on profiles, a structural syntax check, and udev's own
// parser where this host allows (udevadm verify, else `udevadm test` in a private mount namespace).
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Profile } from '../../src/config/schema.js';
import { udevRules, camerasByUsbId, DeployUsageError } from '../../src/cli/deploy.js';
import { BUILTIN_PROFILES, GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { checkUdevRules, udevRuleLines } from './udev-syntax.js';
import { skipTest } from '../helpers/require.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-udev-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const profile = (name: string, usb: { vid: string; pid: string }[]): Profile => ({
  ...GENERIC_PROFILE, name, match: { ...GENERIC_PROFILE.match, usb },
});
const ZFY = profile('zfy-generic', [{ vid: '2B8A', pid: '0001' }, { vid: '1d6b', pid: '0104' }]);
const TIMESET = profile('timeset-massstorage', [{ vid: '0bda', pid: '0129' }]);
const LABELLED = profile('labelled-massstorage', [{ vid: '0BDA', pid: '0129' }]);

describe('camerasByUsbId', () => {
  it.each([
    ['no ids', [GENERIC_PROFILE], []],
    ['lower-cases hex like sysfs', [ZFY], [{ vid: '2b8a', pid: '0001', profiles: ['zfy-generic'] }, { vid: '1d6b', pid: '0104', profiles: ['zfy-generic'] }]],
    ['one id shared by two profiles', [TIMESET, LABELLED], [{ vid: '0bda', pid: '0129', profiles: ['timeset-massstorage', 'labelled-massstorage'] }]],
    ['an id listed twice in one profile', [profile('x', [{ vid: 'aaaa', pid: 'bbbb' }, { vid: 'AAAA', pid: 'BBBB' }])], [{ vid: 'aaaa', pid: 'bbbb', profiles: ['x'] }]],
  ] as [string, Profile[], unknown][])('%s', (_what, profiles, want) => {
    expect(camerasByUsbId(profiles)).toEqual(want);
  });

  it.each(['has space', 'quote"', 'a,b', 'x}y', ''])('refuses profile name %j, which would break a rule', (name) => {
    expect(() => camerasByUsbId([profile(name, [{ vid: 'aaaa', pid: 'bbbb' }])])).toThrow(DeployUsageError);
  });
});

describe('udevRules', () => {
  const rules = udevRules([ZFY, TIMESET, LABELLED, GENERIC_PROFILE], { source: '/etc/evidock/evidock.yaml' });
  const lines = udevRuleLines(rules);
  const value = (pairs: { key: string; attr?: string; value: string }[], key: string, attr?: string) =>
    pairs.find((p) => p.key === key && p.attr === attr)?.value;

  it('is well-formed udev syntax', () => {
    expect(checkUdevRules(rules)).toEqual([]);
  });

  it('gives each USB id a device-node rule (group, mode, tag) and a block rule (no automount)', () => {
    const usb = lines.filter((l) => value(l, 'SUBSYSTEM') === 'usb');
    const block = lines.filter((l) => value(l, 'SUBSYSTEM') === 'block');
    expect(usb.map((l) => [value(l, 'ATTR', 'idVendor'), value(l, 'ATTR', 'idProduct'), value(l, 'ENV', 'EVIDOCK_CAMERA')])).toEqual([
      ['2b8a', '0001', 'zfy-generic'],
      ['1d6b', '0104', 'zfy-generic'],
      ['0bda', '0129', 'timeset-massstorage labelled-massstorage'],
    ]);
    for (const l of usb) {
      expect(value(l, 'ENV', 'DEVTYPE')).toBe('usb_device');
      expect(value(l, 'GROUP')).toBe('evidock');
      expect(value(l, 'MODE')).toBe('0660');
      expect(l.find((p) => p.key === 'TAG')).toMatchObject({ op: '+=', value: 'evidock' });
    }
    expect(block.map((l) => [value(l, 'ATTRS', 'idVendor'), value(l, 'ATTRS', 'idProduct'), value(l, 'ENV', 'EVIDOCK_CAMERA')]))
      .toEqual(usb.map((l) => [value(l, 'ATTR', 'idVendor'), value(l, 'ATTR', 'idProduct'), value(l, 'ENV', 'EVIDOCK_CAMERA')]));
    for (const l of block) {
      expect(value(l, 'ENV', 'UDISKS_IGNORE')).toBe('1');
      expect(value(l, 'ENV', 'UDISKS_AUTO')).toBe('0');
      expect(value(l, 'GROUP')).toBeUndefined(); // block nodes stay root:disk
    }
  });

  it('skips remove events and other subsystems, and names profiles without USB ids', () => {
    expect(lines[0]).toEqual([{ key: 'ACTION', attr: undefined, op: '==', value: 'remove' }, { key: 'GOTO', attr: undefined, op: '=', value: 'evidock_end' }]);
    expect(rules).toMatch(/# no match\.usb ids .*: generic\n/);
    expect(rules.trimEnd().endsWith('LABEL="evidock_end"')).toBe(true);
    expect(rules).toContain('from /etc/evidock/evidock.yaml');
  });

  it.each([
    [{ group: 'plugdev', mode: '660' }, 'plugdev', '0660'],
    [{ group: 'camera_sdk', mode: '0640' }, 'camera_sdk', '0640'],
  ])('group and mode options %j', (opts, group, mode) => {
    const usb = udevRuleLines(udevRules([ZFY], opts)).filter((l) => value(l, 'SUBSYSTEM') === 'usb');
    expect(usb.map((l) => [value(l, 'GROUP'), value(l, 'MODE')])).toEqual([[group, mode], [group, mode]]);
  });

  it.each([{ group: 'Evil"' }, { group: 'a b' }, { mode: '0999' }, { mode: 'rw' }])('refuses %j', (opts) => {
    expect(() => udevRules([ZFY], opts)).toThrow(DeployUsageError);
  });

  it('is well-formed for the built-in profiles', () => {
    expect(checkUdevRules(udevRules(BUILTIN_PROFILES))).toEqual([]);
  });

  it('with no USB ids at all still produces a valid file that matches nothing', () => {
    const only = udevRules([GENERIC_PROFILE]);
    expect(checkUdevRules(only)).toEqual([]);
    expect(udevRuleLines(only).some((l) => value(l, 'ENV', 'EVIDOCK_CAMERA'))).toBe(false);
  });
});

describe('the structural checker catches broken rules', () => {
  it.each([
    ['SUBSYSTEM=="usb" GROUP="x"', /commas/],
    ['SUBSYSTEM=="usb", BOGUS=="1"', /BOGUS/],
    ['SUBSYSTEM=="usb", MODE=="0660"', /MODE cannot be used with ==/],
    ['SUBSYSTEM=="usb", ATTR=="x"', /needs \{name\}/],
    ['SUBSYSTEM=="usb", ENV{X}="unterminated', /cannot parse/],
    ['GROUP="evidock"', /every device/],
    ['ACTION=="remove", GOTO="nowhere"', /no LABEL/],
    ['SUBSYSTEM=="usb", MODE="rw"', /not octal/],
  ])('%s', (text, want) => {
    expect(checkUdevRules(text).join('\n')).toMatch(want);
  });
});

/** udev's own parser on the generated file, without touching the host's rules or udev database. */
function udevParse(rulesText: string): { skipped?: string; diagnostics?: string[] } {
  const file = path.join(dir, '70-evidock.rules');
  fs.writeFileSync(file, rulesText);
  if (spawnSync('udevadm', ['--version']).status !== 0) return { skipped: 'udevadm is not installed' };
  const verify = spawnSync('udevadm', ['verify', '--resolve-names=never', file], { encoding: 'utf8' });
  if (!/Unknown command|invalid/i.test(verify.stderr) && verify.status !== null && verify.status <= 1) {
    return { diagnostics: verify.status === 0 ? [] : [verify.stdout + verify.stderr] };
  }
  // systemd < 254 has no `udevadm verify`. `udevadm test` parses every rules file; in a private
  // mount namespace, with our file as the only one in /etc/udev/rules.d and a fresh /run, the
  // host's udev database is untouched. cpu0 has no device node, so nothing under /dev changes.
  if (process.getuid?.() !== 0) return { skipped: 'udevadm has no verify and `udevadm test` in a namespace needs root' };
  if (!fs.existsSync('/etc/udev/rules.d') || !fs.existsSync('/sys/devices/system/cpu/cpu0')) {
    return { skipped: 'no /etc/udev/rules.d or /sys/devices/system/cpu/cpu0 to run `udevadm test` against' };
  }
  const rulesDir = path.join(dir, 'rules.d');
  fs.mkdirSync(rulesDir, { recursive: true });
  fs.copyFileSync(file, path.join(rulesDir, '70-evidock.rules'));
  const script = `mount --make-rprivate / && mount -t tmpfs tmpfs /run && mount --bind "$1" /etc/udev/rules.d && udevadm test --action=add /sys/devices/system/cpu/cpu0`;
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', rulesDir], { encoding: 'utf8' });
  if (r.status !== 0) return { skipped: `udevadm test in a mount namespace failed (exit ${r.status}): ${r.stderr.trim().split('\n').pop()}` };
  const out = `${r.stdout}\n${r.stderr}`;
  if (!out.includes('Reading rules file: /etc/udev/rules.d/70-evidock.rules')) return { skipped: 'udevadm test did not read the rules file' };
  return { diagnostics: out.split('\n').filter((l) => l.startsWith('/etc/udev/rules.d/70-evidock.rules:')) };
}

describe("udev's own parser", () => {
  it('accepts the generated rules without a diagnostic', (ctx) => {
    // group root exists on every host, so "unknown group" cannot hide a real problem.
    const r = udevParse(udevRules([ZFY, TIMESET, LABELLED, GENERIC_PROFILE], { group: 'root' }));
    skipTest(ctx, "udev's own parser", r.skipped);
    expect(r.diagnostics).toEqual([]);
  });

  it('reports a broken rule (so the check above can fail)', (ctx) => {
    const r = udevParse('SUBSYSTEM=="usb", BOGUS{x}=="1", GROUP="root"\n');
    skipTest(ctx, "udev's own parser", r.skipped);
    expect(r.diagnostics!.join('\n')).toMatch(/BOGUS|Invalid/);
  });
});
