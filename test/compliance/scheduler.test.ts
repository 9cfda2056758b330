// The scheduler: next run persisted; a run missed while stopped is caught up once at the next start
// (however many were missed); runs of a job never overlap; a failing job is recorded and alerted.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openCustody } from '../../src/custody/index.js';
import { cronZone, missedRun, startScheduler, type Job } from '../../src/schedule/scheduler.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../custody/helpers.js';

const cleanups: (() => void)[] = [];
afterEach(() => { for (const c of cleanups.splice(0).reverse()) c(); });

describe('pure parts', () => {
  it.each([
    [null, false], ['2026-11-30T08:59:59Z', true], ['2026-11-30T09:00:00Z', true], ['2026-11-30T09:00:01Z', false], ['garbage', false],
  ] as const)('missedRun(%s) at 09:00 → %s', (next, missed) => {
    expect(missedRun(next, new Date('2026-11-30T09:00:00Z'))).toBe(missed);
  });
  it.each([['+08:00', 'Etc/GMT-8'], ['-05:00', 'Etc/GMT+5'], ['+00:00', 'Etc/UTC'], ['local', undefined], ['+05:30', undefined]] as const)(
    'cronZone(%s) → %s', (tz, zone) => expect(cronZone(tz)).toBe(zone));
});

describe('startScheduler', () => {
  it('catches up a missed run once after a restart, never overlaps, persists last and next runs', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const logger = createLogger({ dataDir: t.dir, console: false, component: 'test' });
    const clock = { t: new Date('2026-11-30T09:00:00Z') };
    const custody = openCustody(path.join(t.dir, 'data'), { now: () => clock.t, osUser: null });
    cleanups.push(() => custody.close());
    let runs = 0;
    let running = 0;
    let maxRunning = 0;
    let release!: () => void;
    const job: Job = {
      name: 'scan-late', cron: '0 3 1 1 *', // once a year: only catch-ups and runNow run it in this test
      run: async () => {
        runs += 1; running += 1; maxRunning = Math.max(maxRunning, running);
        await new Promise<void>((r) => { release = r; });
        running -= 1;
        return `run ${runs}`;
      },
    };
    // First start: nothing persisted, nothing missed.
    let s = startScheduler([job], { custody, logger, now: () => clock.t });
    await s.idle();
    expect(runs).toBe(0);
    const first = custody.schedules.getScheduleRun('scan-late')!;
    expect(first).toMatchObject({ cron: '0 3 1 1 *', lastRun: null });
    expect(Date.parse(first.nextRun!)).toBeGreaterThan(Date.now());
    s.stop();

    // Down across several due times (the persisted next run is in the past): one catch-up run.
    custody.schedules.setNextRun('scan-late', '0 3 1 1 *', '2026-11-29T03:00:00.000Z');
    s = startScheduler([job], { custody, logger, now: () => clock.t });
    await new Promise((r) => setImmediate(r));
    expect(runs).toBe(1);
    // While it runs, the same job due again is skipped, not queued behind it.
    const again = s.runNow('scan-late');
    await new Promise((r) => setImmediate(r));
    release();
    await again;
    await s.idle();
    expect(runs).toBe(1);
    expect(maxRunning).toBe(1);
    const after = custody.schedules.getScheduleRun('scan-late')!;
    expect(after).toMatchObject({ lastRun: '2026-11-30T09:00:00.000Z', lastResult: 'ok: run 1' });
    expect(Date.parse(after.nextRun!)).toBeGreaterThan(Date.now());
    s.stop();

    // Restart again: nothing missed now, no run.
    s = startScheduler([job], { custody, logger, now: () => clock.t });
    await s.idle();
    expect(runs).toBe(1);
    s.stop();
    expect(custody.listAudit({}).filter((e) => e.event === 'schedule.run')).toHaveLength(1);
  });

  it('a failing job is recorded as failed and raises one schedule-failed alert; a bad expression is named', async () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const logger = createLogger({ dataDir: t.dir, console: false, component: 'test' });
    const custody = openCustody(path.join(t.dir, 'data'), { osUser: null });
    cleanups.push(() => custody.close());
    const s = startScheduler([{ name: 'digest', cron: '0 3 1 1 *', run: () => { throw new Error('disk full'); } }], { custody, logger });
    cleanups.push(() => s.stop());
    await s.runNow('digest');
    expect(custody.schedules.getScheduleRun('digest')?.lastResult).toBe('failed: disk full');
    expect(custody.listAlerts({ kind: 'schedule-failed' })).toMatchObject([{ subject: 'schedule:digest', message: 'scheduled job digest failed: disk full' }]);
    expect(() => startScheduler([{ name: 'x', cron: 'every day', run: () => '' }], { custody, logger })).toThrow(/schedules.x: not a cron expression: "every day"/);
  });
});
