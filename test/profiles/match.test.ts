// Which profile claims a docked camera: every observed rule must hold, at least one must be
// observed, first match wins. Table tests on the pure rule, then real marker files.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Profile } from '../../src/config/schema.js';
import { evaluateRules, markerExists, matchProfile, matchStrength, rulesMatch, type DockFacts } from '../../src/profiles/match.js';
import { BUILTIN_PROFILES } from '../../src/profiles/builtin.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-match-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const profile = (match: Partial<Profile['match']>): Profile => ({
  name: 'p', match: { usb: [], ...match }, identity: { method: 'label' }, files: ['**/*'], startFormat: 'YYYYMMDDHHmmss',
  clock: { method: 'none' }, wipe: 'never',
});
const usb = [{ vid: '2B9F', pid: '0f01' }];

describe('a profile matches when every observed rule holds and at least one was observed', () => {
  const cases: [string, Partial<Profile['match']>, DockFacts, boolean | undefined, boolean][] = [
    // what, rules, facts, marker exists (undefined: no root to look in), matches
    ['usb ids, case-insensitive', { usb }, { usbVid: '2b9f', usbPid: '0F01' }, undefined, true],
    ['other usb ids', { usb }, { usbVid: '2b9f', usbPid: '0f02' }, undefined, false],
    ['usb rule, no usb facts (loop device) and nothing else', { usb }, {}, undefined, false],
    ['usb rule unobserved, marker present', { usb, markerFile: 'M' }, { root: '/x' }, true, true],
    ['usb rule unobserved, marker absent', { usb, markerFile: 'M' }, { root: '/x' }, false, false],
    ['usb ok but marker absent', { usb, markerFile: 'M' }, { usbVid: '2b9f', usbPid: '0f01', root: '/x' }, false, false],
    ['usb wrong though marker present', { usb, markerFile: 'M' }, { usbVid: '1111', usbPid: '0f01', root: '/x' }, true, false],
    ['vendor regex, any case', { vendor: '^zfy' }, { vendor: 'ZFY Tech ' }, undefined, true],
    ['vendor regex fails', { vendor: '^zfy' }, { vendor: 'Generic' }, undefined, false],
    ['vendor and model both hold', { vendor: 'ZFY', model: 'DSJ' }, { vendor: 'ZFY', model: 'DSJ-A8' }, undefined, true],
    ['vendor holds, model fails', { vendor: 'ZFY', model: 'DSJ' }, { vendor: 'ZFY', model: 'Flash Disk' }, undefined, false],
    ['model rule, only the vendor observed', { vendor: 'ZFY', model: 'DSJ' }, { vendor: 'ZFY' }, undefined, true],
    ['label pattern', { labelPattern: '^[0-9A-Z]{7}$' }, { label: 'ABC1234' }, undefined, true],
    ['label too long', { labelPattern: '^[0-9A-Z]{7}$' }, { label: 'CAM_ABC1234' }, undefined, false],
    ['label rule on a plain directory (no label)', { labelPattern: '.*' }, { root: '/x' }, undefined, false],
    ['empty label counts as not observed', { labelPattern: '.*' }, { label: '' }, undefined, false],
    ['no rules at all never matches by itself', {}, { usbVid: '2b9f', usbPid: '0f01', label: 'X', root: '/x' }, undefined, false],
  ];
  it.each(cases)('%s', (_what, rules, facts, marker, want) => {
    expect(rulesMatch(evaluateRules(profile(rules), facts, marker))).toBe(want);
  });
});

describe('matchProfile', () => {
  const dir = (name: string, files: Record<string, string>) => {
    const d = path.join(tmp, name);
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(d, rel)), { recursive: true });
      fs.writeFileSync(path.join(d, rel), text);
    }
    return d;
  };

  it('finds marker files whatever their case (FAT), only as regular files', async () => {
    const d = dir('markers', { 'devinfo.txt': 'x', 'DIRMARK/x': 'y' });
    expect(await markerExists(d, 'DEVINFO.TXT')).toBe(true);
    expect(await markerExists(d, 'DIRMARK')).toBe(false);
    expect(await markerExists(d, 'NOPE')).toBe(false);
    expect(await markerExists(d, '../markers/devinfo.txt')).toBe(false);
  });

  it('picks the built-in profile of each simulated camera kind, first match first', async () => {
    const names = async (facts: DockFacts) => (await matchProfile(BUILTIN_PROFILES, facts))?.name;
    // A ZFY camera is known by what it shows on USB, never by a file on its volume.
    expect(await names({ root: dir('z', { 'ZFYSIM.TXT': '/x\n', 'DCIM/a': '' }) })).toBeUndefined();
    expect(await names({ root: dir('z2', { 'DCIM/a': '' }), vendor: 'ZFY', model: 'DSJ-Y1' })).toBe('zfy-generic');
    expect(await names({ root: dir('t', { 'DEVINFO.TXT': 'serial=A' }) })).toBe('timeset-massstorage');
    expect(await names({ root: dir('l', { 'DCIM/a': '' }), label: 'LAB0001' })).toBe('labelled-massstorage');
    expect(await names({ root: dir('g', { 'DEVICE.ID': 'serial=A' }), label: 'CAM_ABC1234' })).toBe('generic');
    expect(await names({ root: dir('u', { 'DCIM/a': '' }), label: 'NO NAME' })).toBeUndefined();
    // A ZFY camera on USB with the profile's ids and SCSI strings; another vendor's ids do not match.
    expect(await names({ root: dir('real', {}), usbVid: 'ffff', usbPid: '0f01', vendor: 'ZFY' })).toBe('zfy-generic');
    expect(await names({ root: dir('other', {}), usbVid: '1111', usbPid: '0f01', vendor: 'ZFY' })).toBeUndefined();
  });

  it('a marker file outranks a label pattern (a generic camera whose label looks like a device id)', async () => {
    const names = async (facts: DockFacts) => (await matchProfile(BUILTIN_PROFILES, facts))?.name;
    expect(await names({ root: dir('g2', { 'DEVICE.ID': 'serial=A' }), label: 'ABC1234' })).toBe('generic');
  });

  it('matchStrength: USB ids > marker > vendor/model > label; no match is 0', () => {
    const r = (rule: 'usb' | 'markerFile' | 'vendor' | 'model' | 'labelPattern', ok = true) => ({ rule, observed: true, ok });
    const cases: [string, Parameters<typeof matchStrength>[0], number][] = [
      ['usb + marker', [r('usb'), r('markerFile')], 7],
      ['marker', [r('markerFile')], 3],
      ['vendor + model', [r('vendor'), r('model')], 4],
      ['label', [r('labelPattern')], 1],
      ['a failed rule', [r('markerFile'), r('labelPattern', false)], 0],
      ['nothing observed', [{ rule: 'usb', observed: false, ok: false }], 0],
    ];
    for (const [name, results, want] of cases) expect(matchStrength(results), name).toBe(want);
  });

  it('first match wins among equals', async () => {
    const d = dir('both', { 'DEVICE.ID': 'x' });
    const a = { ...profile({ markerFile: 'DEVICE.ID' }), name: 'a' };
    const b = { ...profile({ markerFile: 'DEVICE.ID' }), name: 'b' };
    expect((await matchProfile([a, b], { root: d }))?.name).toBe('a');
    expect((await matchProfile([b, a], { root: d }))?.name).toBe('b');
  });
});
