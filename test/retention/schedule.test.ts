// Retention's jobs on the daemon's one scheduler: cron from the retention block unless `schedules:`
// names the job, shown with every other schedule, a run missed while the station was off caught up
// once at start (and not repeated); the old retention_runs rows carried over.
import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { MIGRATIONS, migrate } from '../../src/custody/migrations.js';
import { openCustody } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { createLogger, flushLogger } from '../../src/util/logger.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { configSchema } from '../../src/config/schema.js';
import { complianceJobs } from '../../src/compliance/jobs.js';
import { startScheduler } from '../../src/schedule/scheduler.js';
import { JOBS, retentionCron, retentionJobs } from '../../src/retention/schedule.js';
import { makeRandomVolume, tempDir } from '../helpers/volumes.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

describe('retentionCron', () => {
  it.each<[Record<string, string | false>, string | null, string | null]>([
    [{}, '30 2 * * *', '0 8 * * 1'], // the retention block's defaults
    [{ 'retention-run': '15 4 * * *' }, '15 4 * * *', '0 8 * * 1'], // schedules: wins
    [{ 'retention-digest': false }, '30 2 * * *', null], // false: not scheduled
    [{ digest: '0 1 * * *' }, '30 2 * * *', '0 8 * * 1'], // compliance's digest is another job
  ])('schedules %j → run %s, digest %s', (schedules, run, digest) => {
    const config = configSchema.parse({ schedules });
    expect(retentionCron(config, JOBS.retention)).toBe(run);
    expect(retentionCron(config, JOBS.digest)).toBe(digest);
  });

  it('takes retention.schedule / digestSchedule from the YAML; a bad one is a config error naming the field', () => {
    const config = configSchema.parse({ retention: { schedule: '0 1 * * *', digestSchedule: '0 9 * * 5' } });
    expect(retentionJobs({ custody: undefined as never, store: undefined as never, config }).map((j) => [j.name, j.cron]))
      .toEqual([['retention-run', '0 1 * * *'], ['retention-digest', '0 9 * * 5']]);
    const bad = configSchema.safeParse({ retention: { schedule: 'every day' } });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]).toMatchObject({ path: ['retention', 'schedule'], message: expect.stringMatching(/not a cron expression/) });
  });
});

describe('retention jobs on the one scheduler', () => {
  it('are listed with the other schedules, caught up once after downtime, not repeated on the next start', async () => {
    const dir = tempDir('schedule');
    dirs.push(dir);
    const dataDir = path.join(dir, 'data');
    // Retention's rules read this clock (footage recorded now is due 3 months later); the scheduler
    // keeps real time, as node-cron computes the next runs it persists from real time.
    let clock = new Date('2026-11-26T10:00:00Z');
    const custody = openCustody(dataDir, { now: () => clock });
    const store = new ObjectStore(path.join(dataDir, 'store'));
    const logger = createLogger({ dataDir, console: false });
    const config = configSchema.parse({ schedules: { 'retention-run': '45 3 * * *' } });
    try {
      const cam = path.join(dir, 'cam');
      makeRandomVolume(cam, { sizes: [100, 200] });
      await ingestVolume({ root: cam, profile: GENERIC_PROFILE, config: { timezone: 'local', devices: [] } }, { custody, store, logger });
      clock = new Date('2027-03-08T09:00:00Z');
      const jobs = () => [...complianceJobs({ custody, store, config, now: () => clock }), ...retentionJobs({ custody, store, config, now: () => clock })];

      // First start of the station: the jobs are registered with their next runs, nothing is run.
      let s = startScheduler(jobs(), { custody, logger });
      await s.idle();
      s.stop();
      const rows = custody.schedules.listScheduleRuns();
      expect(rows.map((r) => r.name)).toEqual(['digest', 'retention-digest', 'retention-run', 'scan-late', 'scan-not-docked', 'verify-full', 'verify-sample']);
      expect(rows.find((r) => r.name === 'retention-run')).toMatchObject({ cron: '45 3 * * *', lastRun: null, nextRun: expect.any(String) });
      expect(rows.find((r) => r.name === 'retention-digest')).toMatchObject({ cron: '0 8 * * 1', lastRun: null });
      expect(custody.listAudit({ event: 'retention.run' })).toHaveLength(0);

      // Off across several of their slots: each is caught up once at the next start.
      custody.schedules.setNextRun('retention-run', '45 3 * * *', '2026-11-02T03:45:00.000Z');
      custody.schedules.setNextRun('retention-digest', '0 8 * * 1', '2026-11-02T08:00:00.000Z');
      s = startScheduler(jobs(), { custody, logger });
      await s.idle();
      s.stop();
      expect(custody.listAudit({ event: 'retention.run' })).toHaveLength(1);
      expect(custody.listAudit({ event: 'retention.graced' })).toHaveLength(2);
      const digest = custody.listAlerts({ open: true }).filter((a) => a.kind === 'retention.digest');
      expect(digest).toHaveLength(1);
      expect(digest[0]!.message).toMatch(/^2 recording\(s\) will be purged in the next 7 days: #1 2027-03-1/);
      const after = custody.schedules.getScheduleRun('retention-run')!;
      expect(after.lastResult).toBe('ok: graced 2, purged 0, freed 0 bytes, kept 0');
      expect(Date.parse(after.nextRun!)).toBeGreaterThan(Date.now());
      expect(custody.schedules.getScheduleRun('retention-digest')?.lastResult).toBe('ok: 2 recording(s) due for purge in the next 7 days');
      // The other jobs were not due: only the two retention jobs ran.
      expect(custody.listAudit({ event: 'schedule.run' }).map((e) => (e.payload as { name: string }).name).sort()).toEqual(['retention-digest', 'retention-run']);

      // Restarted: nothing was missed, nothing runs again.
      s = startScheduler(jobs(), { custody, logger });
      await s.idle();
      s.stop();
      expect(custody.listAudit({ event: 'retention.run' })).toHaveLength(1);
      expect(custody.listAudit({ event: 'schedule.run' })).toHaveLength(2);
    } finally {
      custody.close();
      await flushLogger(logger);
    }
  });

  it('migration 15 carries the last runs of the old retention schedule over to the one scheduler', () => {
    const dir = tempDir('schedule-migrate');
    dirs.push(dir);
    const dataDir = path.join(dir, 'data');
    fs.mkdirSync(dataDir, { recursive: true });
    const db = new Database(path.join(dataDir, 'custody.db'));
    migrate(db, MIGRATIONS.filter((m) => m.version < 15));
    db.prepare("INSERT INTO retention_runs (job, last_at) VALUES ('retention.run', '2026-11-30T02:30:00.000Z'), ('retention.digest', '2026-11-30T08:00:00.000Z')").run();
    db.close();
    const custody = openCustody(dataDir);
    try {
      expect(custody.schedules.listScheduleRuns()).toEqual([
        { name: 'retention-digest', cron: '', lastRun: '2026-11-30T08:00:00.000Z', nextRun: null, lastResult: 'ok (recorded before the one scheduler)' },
        { name: 'retention-run', cron: '', lastRun: '2026-11-30T02:30:00.000Z', nextRun: null, lastResult: 'ok (recorded before the one scheduler)' },
      ]);
      expect(() => custody.ctx().db.prepare('SELECT 1 FROM retention_runs').get()).toThrow(/no such table/);
    } finally { custody.close(); }
  });
});
