// Retention's jobs on the daemon's one scheduler (src/schedule/scheduler.ts): the daily retention
// run and the weekly digest of the next 7 days' purges. Their cron comes from retention.schedule /
// retention.digestSchedule unless `schedules:` names the job; last/next runs, the catch-up of a run
// missed while the station was off and "never two at once" are the scheduler's, as for every job.
import type { Config } from '../config/schema.js';
import type { Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import type { Job } from '../schedule/scheduler.js';
import { SYSTEM_ACTOR } from './actor.js';
import { purgeDigest, runRetention } from './service.js';

export const JOBS = { retention: 'retention-run', digest: 'retention-digest' } as const;

export interface RetentionJobDeps {
  custody: Custody;
  store: ObjectStore;
  config: Pick<Config, 'retention' | 'timezone' | 'schedules'>;
  now?: () => Date;
}

/** The cron of a retention job: `schedules.<name>` when set (false: not scheduled), else the retention block's. */
export function retentionCron(config: Pick<Config, 'retention' | 'schedules'>, name: (typeof JOBS)[keyof typeof JOBS]): string | null {
  const v = config.schedules[name];
  if (v === false) return null;
  return v ?? (name === JOBS.retention ? config.retention.schedule : config.retention.digestSchedule);
}

/** One summary line for status; a purge that failed fails the run (and raises retention.failed). */
export async function runRetentionJob(d: RetentionJobDeps): Promise<string> {
  const r = await runRetention({ custody: d.custody, store: d.store, config: d.config, now: d.now }, SYSTEM_ACTOR);
  const line = `graced ${r.graced}, purged ${r.purged}, freed ${r.bytesFreed} bytes, kept ${r.kept}`;
  if (r.errors.length) {
    const message = `retention run: ${r.errors.length} purge(s) failed: ${r.errors.join('; ')}`;
    d.custody.raiseAlert({ kind: 'retention.failed', severity: 'critical', message });
    throw new Error(`${line}; ${message}`);
  }
  return line;
}

/** The weekly digest: an alert (through the configured channels) listing what will be purged in 7 days. */
export function runDigestJob(d: RetentionJobDeps): string {
  const due = purgeDigest({ custody: d.custody, store: d.store, config: d.config, now: d.now }, 7);
  const head = due.slice(0, 20).map((e) => `#${e.recordingId} ${e.purgeOn.slice(0, 10)} (${e.category})`).join(', ');
  d.custody.raiseAlert({
    kind: 'retention.digest', severity: 'info',
    message: due.length ? `${due.length} recording(s) will be purged in the next 7 days: ${head}${due.length > 20 ? ', …' : ''} (evidock retention digest)` : 'no recording will be purged in the next 7 days',
  });
  return `${due.length} recording(s) due for purge in the next 7 days`;
}

export function retentionJobs(d: RetentionJobDeps): Job[] {
  const jobs: Job[] = [];
  const run = retentionCron(d.config, JOBS.retention);
  const digest = retentionCron(d.config, JOBS.digest);
  if (run !== null) jobs.push({ name: JOBS.retention, cron: run, run: () => runRetentionJob(d) });
  if (digest !== null) jobs.push({ name: JOBS.digest, cron: digest, run: () => runDigestJob(d) });
  return jobs;
}
