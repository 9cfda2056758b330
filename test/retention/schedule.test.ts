// The retention schedules: a missed slot is caught up at start, a run already done is not repeated.
import { afterEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { createTask } from 'node-cron';
import { openCustody, retention } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { createLogger, flushLogger } from '../../src/util/logger.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { configSchema } from '../../src/config/schema.js';
import { JOBS, missedSlot, startRetentionSchedule } from '../../src/retention/schedule.js';
import { makeRandomVolume, tempDir } from '../helpers/volumes.js';

const dailyUtc = (d: Date) => d.getUTCHours() === 2 && d.getUTCMinutes() === 30;
const mondayUtc = (d: Date) => d.getUTCDay() === 1 && d.getUTCHours() === 8 && d.getUTCMinutes() === 0;

describe('missedSlot', () => {
  it.each<[string | undefined, string, (d: Date) => boolean, boolean]>([
    [undefined, '2026-12-01T00:00:00Z', dailyUtc, true], // never ran
    ['2026-12-01T02:30:00Z', '2026-12-02T02:29:00Z', dailyUtc, false],
    ['2026-12-01T02:30:00Z', '2026-12-02T02:30:00Z', dailyUtc, true],
    ['2026-12-01T02:30:00Z', '2026-12-09T00:00:00Z', dailyUtc, true], // off for a week
    ['2026-11-30T08:00:00Z', '2026-12-06T23:59:00Z', mondayUtc, false], // Monday to Sunday night
    ['2026-11-30T08:00:00Z', '2026-12-07T08:00:30Z', mondayUtc, true],
    ['2024-01-01T00:00:00Z', '2026-12-01T00:00:00Z', () => false, true], // beyond the look-back: run
    ['garbage', '2026-12-01T00:00:00Z', dailyUtc, true],
  ])('last %s, now %s → %s', (last, now, m, want) => expect(missedSlot(last, new Date(now), m)).toBe(want));

  it('works with a node-cron task as the matcher', () => {
    const task = createTask('30 2 * * *', () => undefined);
    expect(missedSlot(new Date(2026, 11, 1, 2, 30).toISOString(), new Date(2026, 11, 2, 2, 0), (d) => task.match(d))).toBe(false);
    expect(missedSlot(new Date(2026, 11, 1, 2, 30).toISOString(), new Date(2026, 11, 2, 2, 31), (d) => task.match(d))).toBe(true);
    void task.destroy();
  });
});

describe('startRetentionSchedule', () => {
  const dirs: string[] = [];
  afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

  it('catches up a missed run and digest at start, and does not repeat them on the next start', async () => {
    const dir = tempDir('schedule');
    dirs.push(dir);
    const dataDir = path.join(dir, 'data');
    let clock = new Date('2026-11-26T10:00:00Z');
    const custody = openCustody(dataDir, { now: () => clock });
    const store = new ObjectStore(path.join(dataDir, 'store'));
    const logger = createLogger({ dataDir, console: false });
    const config = configSchema.parse({});
    try {
      const cam = path.join(dir, 'cam');
      makeRandomVolume(cam, { sizes: [100, 200] });
      await ingestVolume({ root: cam, profile: GENERIC_PROFILE, config: { timezone: 'local', devices: [] } }, { custody, store, logger });
      clock = new Date('2027-03-01T12:00:00Z');
      const deps = { custody, store, config, logger, now: () => clock };
      const s1 = startRetentionSchedule(deps);
      await s1.caughtUp;
      s1.stop();
      expect(custody.listAudit({ event: 'retention.run' })).toHaveLength(1);
      expect(custody.listAudit({ event: 'retention.graced' })).toHaveLength(2);
      expect(retention.lastScheduleRun(custody.ctx(), JOBS.retention)).toBe('2027-03-01T12:00:00.000Z');
      // First start of the station: no digest yet, only its baseline.
      expect(custody.listAlerts({ open: true }).filter((a) => a.kind === 'retention.digest')).toHaveLength(0);
      expect(retention.lastScheduleRun(custody.ctx(), JOBS.digest)).toBe('2027-03-01T12:00:00.000Z');

      clock = new Date('2027-03-01T12:05:00Z'); // restarted five minutes later: nothing was missed
      const s2 = startRetentionSchedule(deps);
      await s2.caughtUp;
      s2.stop();
      expect(custody.listAudit({ event: 'retention.run' })).toHaveLength(1);

      clock = new Date('2027-03-08T09:00:00Z'); // off over Monday 08:00 (a digest) and 02:30 (a run): both caught up
      const s3 = startRetentionSchedule(deps);
      await s3.caughtUp;
      s3.stop();
      expect(custody.listAudit({ event: 'retention.run' })).toHaveLength(2);
      const digest = custody.listAlerts({ open: true }).filter((a) => a.kind === 'retention.digest');
      expect(digest).toHaveLength(1);
      expect(digest[0]!.message).toMatch(/^2 recording\(s\) will be purged in the next 7 days: #1 2027-03-08/);

      expect(() => startRetentionSchedule({ ...deps, config: { ...config, retention: { ...config.retention, schedule: 'every day' } } }))
        .toThrow(/retention.schedule: not a cron expression/);
    } finally {
      custody.close();
      await flushLogger(logger);
    }
  });
});
