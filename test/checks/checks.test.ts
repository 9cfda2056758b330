// Dock-time checks (art. 10): the clock rules as tables, storage from statfs, and setting a
// timeset camera's clock through its clock file (read back as the camera would at boot).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CLOCK_LOST_WINDOW_S, clockFlags, clockReading, correctionWindow, lostClockEpoch, newestNameTime, readingFlags, syncCameraClock,
} from '../../src/checks/clock.js';
import { runDockChecks, sessionChecksOf, storageOf } from '../../src/checks/checks.js';
import { GENERIC_PROFILE, LABELLED_PROFILE, TIMESET_PROFILE } from '../../src/profiles/builtin.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import { bootTimesetCamera } from '../../src/sim/index.js';
import type { DockedVolume } from '../../src/dock/volume.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-checks-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const T = (iso: string) => new Date(iso);
const kinds = (f: { kind: string }[]) => f.map((x) => x.kind);

describe('clockFlags (pure)', () => {
  const now = T('2026-11-26T10:00:00Z');
  it.each([
    // offset s, camera time, max drift, flags
    [0, now, 30, []],
    [30, now, 30, []], // at the limit is fine
    [-30.5, now, 30, ['clock-drift']],
    [3600, now, 30, ['clock-drift']],
    [null, now, 30, []], // not measured: nothing to judge
    [5, null, 30, []],
    [-844_000_000, T('2000-01-01T03:00:00Z'), 30, ['clock-lost', 'clock-drift']],
    [0, T('2000-01-01T00:00:00Z'), 86_400 * 365 * 30, ['clock-lost']],
    [0, T('1999-12-30T01:00:00Z'), 1e12, ['clock-lost']], // behind the epoch too: a zone west of UTC
    [0, T('2010-01-02T20:00:00Z'), 1e12, ['clock-lost']],
    [0, T('2010-01-03T00:00:01Z'), 1e12, []], // past the two-day window
    [0, T('2005-06-01T00:00:00Z'), 1e12, []], // wrong, but not a reset: the drift rule judges it
  ] as const)('offset %s, camera %s, limit %s → %j', (off, cam, max, want) => {
    expect(kinds(clockFlags(off, cam, max))).toEqual(want);
  });

  it('says which way and by how much, and "at least" for a lower bound', () => {
    expect(clockFlags(-7200, now, 30)[0]!.message).toMatch(/2\.0 h behind the workstation \(-7200 s; limit 30 s\)/);
    expect(clockFlags(90, now, 30, { lowerBound: true })[0]!.message).toMatch(/at least 90 s ahead/);
    expect(clockFlags(0, T('2010-01-01T05:00:00Z'), 30)[0]).toMatchObject({ severity: 'critical', message: expect.stringMatching(/2010-01-01/) });
  });

  it('the clock-lost window is two days either side of each firmware epoch', () => {
    expect(CLOCK_LOST_WINDOW_S).toBe(172_800);
    expect(lostClockEpoch(T('2000-01-02T23:59:59Z'))?.toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(lostClockEpoch(T('2026-01-01T00:00:00Z'))).toBeUndefined();
  });
});

describe('clock reading without a camera clock', () => {
  const now = T('2026-11-26T10:00:00Z');
  it.each([
    // newest name time, reading
    ['2026-11-26T08:00:00Z', { aheadAtLeastS: null }, []], // named in the past: proves nothing
    ['2026-11-26T10:00:20Z', { aheadAtLeastS: 20 }, []], // ahead, within the limit
    ['2026-11-27T10:00:00Z', { aheadAtLeastS: 86_400 }, ['clock-drift']],
    ['2000-01-01T08:00:00Z', { aheadAtLeastS: null }, ['clock-lost']],
  ] as const)('newest file %s', (newest, want, flags) => {
    const r = clockReading('timesetFile', undefined, T(newest), now);
    expect(r).toMatchObject({ source: 'unmeasured', offsetS: null, cameraTime: null, ...want });
    expect(kinds(readingFlags(r, 30))).toEqual(flags);
  });

  it('a camera reading wins over file names', () => {
    const r = clockReading('zfy', { cameraTime: T('2026-11-26T09:00:00Z'), offsetS: -3600 }, T('2027-01-01T00:00:00Z'), now);
    expect(r).toMatchObject({ source: 'camera', offsetS: -3600, aheadAtLeastS: null });
    expect(kinds(readingFlags(r, 30))).toEqual(['clock-drift']);
  });

  it('newestNameTime reads the profile\'s start group', () => {
    expect(newestNameTime(GENERIC_PROFILE, [
      'DCIM/100MEDIA/20261126_083000_ABC1234_000123_0001.MP4', 'DCIM/100MEDIA/20261126_093000_ABC1234_000123_0002.MP4', 'DCIM/x.MP4',
    ], '+08:00')?.toISOString()).toBe('2026-11-26T01:30:00.000Z');
    expect(newestNameTime(GENERIC_PROFILE, ['DCIM/x.MP4'], '+08:00')).toBeUndefined();
  });
});

describe('correctionWindow (pure)', () => {
  const now = T('2026-11-26T10:00:00Z');
  it('corrects everything after a normal reading, only the reset clock\'s files after a clock loss, nothing unmeasured', () => {
    expect(correctionWindow(clockReading('zfy', { cameraTime: T('2026-11-26T09:00:00Z'), offsetS: -3600 }, undefined, now))).toBeUndefined();
    const lost = correctionWindow(clockReading('zfy', { cameraTime: T('2000-01-01T05:00:00Z'), offsetS: -847_000_000 }, undefined, now));
    expect(lost).toEqual({ from: T('1999-12-30T00:00:00Z'), to: T('2000-01-01T05:01:00Z') });
    expect(correctionWindow(clockReading('timesetFile', undefined, T('2000-01-01T05:00:00Z'), now))).toBeUndefined();
  });
});

describe('runDockChecks', () => {
  it('records storage from statfs and leaves battery and clock unknown without a vendor interface', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'vol-'));
    // The volume is a directory on a disk other processes write to: bracket the reading with statfs
    // before and after rather than expecting one exact figure.
    const used = () => { const s = fs.statfsSync(root); return (s.blocks - s.bfree) * s.bsize; };
    const lo = used();
    const c = await runDockChecks({ root, profile: LABELLED_PROFILE, timezone: 'local', maxDriftSeconds: 30, files: [] });
    const hi = used();
    const s = fs.statfsSync(root);
    expect(c.storage!.totalBytes).toBe(s.blocks * s.bsize);
    expect(c.storage!.usedBytes).toBeGreaterThanOrEqual(Math.min(lo, hi) - 64 * 1024 * 1024);
    expect(c.storage!.usedBytes).toBeLessThanOrEqual(Math.max(lo, hi) + 64 * 1024 * 1024);
    expect(c.storage!.freeBytes).toBeGreaterThan(0);
    expect(c).toMatchObject({ batteryPct: null, clock: { method: 'none', source: 'unmeasured', offsetS: null }, flags: [] });
    expect(sessionChecksOf(c, [])).toMatchObject({ clockOffsetS: null, clockSource: 'unmeasured', batteryPct: null, storageUsed: c.storage!.usedBytes });
    expect(await storageOf(path.join(root, 'missing'))).toBeNull();
  });
});

describe('setting a timeset camera\'s clock', () => {
  it('writes TIMESET.txt, 19 characters in the camera\'s zone, which the camera takes at boot', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'ts-'));
    const at = T('2026-11-26T01:02:03.700Z');
    const r = await syncCameraClock(await directoryVolume(root), TIMESET_PROFILE, '+08:00', () => at);
    expect(r).toEqual({ method: 'timesetFile', ok: true, file: 'TIMESET.txt', written: '2026-11-26 09:02:03' });
    expect(fs.readFileSync(path.join(root, 'TIMESET.txt'), 'utf8')).toHaveLength(19);
    const boot = await bootTimesetCamera(root, '+08:00');
    expect(boot?.setTo.toISOString()).toBe('2026-11-26T01:02:03.000Z');
    expect(fs.existsSync(path.join(root, 'TIMESET.txt'))).toBe(false); // the camera consumed it
  });

  it('replaces a clock file the camera has not read yet', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'ts-'));
    fs.writeFileSync(path.join(root, 'TIMESET.txt'), '2020-01-01 00:00:00 and more junk');
    await syncCameraClock(await directoryVolume(root), TIMESET_PROFILE, '+00:00', () => T('2026-11-26T01:02:03Z'));
    expect(fs.readFileSync(path.join(root, 'TIMESET.txt'), 'utf8')).toBe('2026-11-26 01:02:03');
  });

  it('does not write through a link planted at the clock file\'s name', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'ts-'));
    const victim = path.join(tmp, 'victim.txt');
    fs.writeFileSync(victim, 'keep me');
    fs.symlinkSync(victim, path.join(root, 'TIMESET.txt'));
    const r = await syncCameraClock(await directoryVolume(root), TIMESET_PROFILE, 'local');
    expect(r).toMatchObject({ ok: false, error: expect.stringMatching(/ELOOP/) });
    expect(fs.readFileSync(victim, 'utf8')).toBe('keep me');
  });

  it('says so when the volume cannot be made writable, and has nothing to do for clock method none', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'ts-'));
    const ro: DockedVolume = { root, source: 'block', device: {} };
    expect(await syncCameraClock(ro, TIMESET_PROFILE, 'local')).toMatchObject({ ok: false, error: 'the volume cannot be made writable' });
    expect(fs.readdirSync(root)).toEqual([]);
    expect(await syncCameraClock(ro, GENERIC_PROFILE, 'local')).toBeUndefined();
  });

  it('a camera rejects a clock file that is not its format', async () => {
    const root = fs.mkdtempSync(path.join(tmp, 'ts-'));
    fs.writeFileSync(path.join(root, 'TIMESET.txt'), '2026-11-26T01:02:03');
    await expect(bootTimesetCamera(root, 'local')).rejects.toThrow(/camera rejects TIMESET\.txt/);
    expect(await bootTimesetCamera(root, 'local')).toBeUndefined();
  });
});
