// The simulated shift's timeline, without ffmpeg: names, segments, gaps, camera clock.
import { describe, expect, it } from 'vitest';
import {
  fileStamp, identityFileText, planCameraVolume, resolveSimOptions, SimUsageError, type SimOptions,
} from '../../src/sim/index.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';

const base: SimOptions = {
  serial: 'ABC1234', badge: '000123', start: '2026-11-26T00:30:00Z', timezone: '+08:00',
};
const plan = (o: SimOptions = {}) => planCameraVolume(resolveSimOptions({ ...base, ...o }));
const names = (o: SimOptions, kind: string) =>
  plan(o).filter((f) => f.kind === kind).map((f) => f.path.replace('DCIM/100MEDIA/', ''));

describe('planCameraVolume', () => {
  it('writes consecutive segments named by the camera wall clock', () => {
    expect(names({}, 'video')).toEqual([
      '20261126_083000_ABC1234_000123_0001.MP4',
      '20261126_083004_ABC1234_000123_0002.MP4',
      '20261126_083008_ABC1234_000123_0003.MP4',
    ]);
    expect(names({}, 'photo')).toEqual([
      '20261126_083003_ABC1234_000123_0001.JPG',
      '20261126_083009_ABC1234_000123_0002.JPG',
    ]);
    // audio notes follow the video, 30 s after it ends
    expect(names({}, 'audio')).toEqual(['20261126_083042_ABC1234_000123_0001.M4A']);
  });

  it('gives names the generic profile parses', () => {
    const re = new RegExp(GENERIC_PROFILE.filename!);
    for (const f of plan({ clips: 12, photos: 3, audio: 2 })) {
      const m = re.exec(f.path.split('/').pop()!);
      expect(m?.groups).toMatchObject({ serial: 'ABC1234', badge: '000123', seq: String(f.seq).padStart(4, '0') });
    }
  });

  it('counts and orders files in time', () => {
    const files = plan({ clips: 5, photos: 4, audio: 2 });
    expect(files.map((f) => f.kind).filter((k) => k === 'video')).toHaveLength(5);
    expect(files).toHaveLength(11);
    const t = files.map((f) => f.trueStart.getTime());
    expect(t).toEqual([...t].sort((a, b) => a - b));
  });

  const gapCases: Array<[string, SimOptions, number[]]> = [
    ['no gap', { clips: 4, seconds: 60 }, [60, 60, 60]],
    ['gap after clip 2', { clips: 4, seconds: 60, gaps: [{ afterClip: 2, seconds: 300 }] }, [60, 360, 60]],
    ['two gaps', { clips: 4, seconds: 10, gaps: [{ afterClip: 3, seconds: 5 }, { afterClip: 1, seconds: 7 }] }, [17, 10, 15]],
  ];
  it.each(gapCases)('segment starts: %s', (_l, o, steps) => {
    const clips = plan(o).filter((f) => f.kind === 'video');
    const diffs = clips.slice(1).map((c, i) => (c.trueStart.getTime() - clips[i]!.trueStart.getTime()) / 1000);
    expect(diffs).toEqual(steps);
  });

  it('shifts names and metadata times by the clock offset, not the true times', () => {
    const [slow] = plan({ clockOffset: -90 });
    expect(slow!.path).toContain('20261126_082830_ABC1234');
    expect(slow!.trueStart.toISOString()).toBe('2026-11-26T00:30:00.000Z');
    expect(slow!.cameraStart.toISOString()).toBe('2026-11-26T00:28:30.000Z');
    expect(slow!.cameraEnd.toISOString()).toBe('2026-11-26T00:28:34.000Z');
    const [fast] = plan({ clockOffset: 3600 });
    expect(fast!.path).toContain('20261126_093000_');
  });

  it('formats names in the given zone', () => {
    expect(plan({ timezone: '-05:00' })[0]!.path).toContain('20261125_193000_');
    expect(plan({ timezone: '+00:00' })[0]!.path).toContain('20261126_003000_');
  });
});

describe('fileStamp', () => {
  it('uses this machine\'s zone for "local"', () => {
    const d = new Date(2026, 10, 26, 8, 30, 5); // local wall clock
    expect(fileStamp(d, 'local')).toBe('20261126_083005');
  });
  it('follows TZ for "local"', () => {
    const saved = process.env.TZ;
    try {
      process.env.TZ = 'Asia/Shanghai'; // Node re-reads TZ when it is assigned
      expect(fileStamp(new Date('2026-11-26T00:30:05Z'), 'local')).toBe('20261126_083005');
      process.env.TZ = 'America/New_York';
      expect(fileStamp(new Date('2026-11-26T00:30:05Z'), 'local')).toBe('20261125_193005');
    } finally {
      if (saved === undefined) delete process.env.TZ; else process.env.TZ = saved;
    }
  });
});

describe('resolveSimOptions', () => {
  it('defaults: 3 clips of 4 s, 2 photos, 1 audio, start 2 h ago, random serial and badge', () => {
    const now = new Date('2026-11-26T10:00:00.700Z');
    const o = resolveSimOptions({}, now);
    expect(o).toMatchObject({ clips: 3, seconds: 4, photos: 2, audio: 1, clockOffset: 0, personality: 'generic', gaps: [] });
    expect(o.start.toISOString()).toBe('2026-11-26T08:00:00.000Z');
    expect(o.serial).toMatch(/^[A-Z0-9]{7}$/);
    expect(o.badge).toMatch(/^\d{6}$/);
  });

  const bad: Array<[string, SimOptions, RegExp]> = [
    ['unknown personality', { personality: 'dashcam' }, /unknown camera personality "dashcam" \(accepted: generic, zfy, timeset, labelled\)/],
    ['lower-case labelled serial', { personality: 'labelled', serial: 'abc1234' }, /must be upper case/],
    ['battery over 100', { battery: 101 }, /battery must be a whole number from 0 to 100/],
    ['password with a space', { password: 'a b' }, /password must be/],
    ['serial length', { serial: 'AB12' }, /serial must be 7/],
    ['badge chars', { badge: '12-456' }, /badge must be 6/],
    ['fractional seconds', { seconds: 1.5 }, /seconds must be a whole number/],
    ['zero seconds', { seconds: 0 }, /seconds must be/],
    ['negative clips', { clips: -1 }, /clips must be/],
    ['gap after last clip', { clips: 3, gaps: [{ afterClip: 3, seconds: 10 }] }, /gap clip number must be a whole number from 1 to 2/],
    ['gap with one clip', { clips: 1, gaps: [{ afterClip: 1, seconds: 10 }] }, /at least 2 clips/],
    ['two gaps after one clip', { clips: 3, gaps: [{ afterClip: 1, seconds: 1 }, { afterClip: 1, seconds: 2 }] }, /at most one gap/],
    ['bad start', { start: 'yesterday' }, /start is not a date/],
    ['bad zone', { timezone: 'Asia/Shanghai' }, /timezone must be/],
    ['odd width', { width: 321 }, /width must be even/],
  ];
  it.each(bad)('rejects %s as a usage error', (_l, o, message) => {
    expect(() => resolveSimOptions({ ...base, ...o })).toThrow(message);
    try { resolveSimOptions({ ...base, ...o }); } catch (e) {
      expect(e).toBeInstanceOf(SimUsageError);
      expect((e as SimUsageError).exitCode).toBe(2);
    }
  });
});

describe('identityFileText', () => {
  it('writes key=value lines, UTF-8 name included', () => {
    const text = identityFileText(resolveSimOptions({ ...base, name: '张三', unit: '330100000001', model: 'DSJ-X1' }));
    expect(text).toBe('serial=ABC1234\nbadge=000123\nmodel=DSJ-X1\nname=张三\nunit=330100000001\n');
  });
});
