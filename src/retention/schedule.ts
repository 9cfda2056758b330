// The daemon's retention schedules (node-cron): the daily retention run and the weekly digest of
// the next 7 days' purges. The last run of each is kept in custody, so a run missed while the
// station was off is caught up when the daemon starts. A failed run is an alert, not a log line.
import { createTask, validate, type ScheduledTask } from 'node-cron';
import type { Config } from '../config/schema.js';
import { retention as repo, type Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import type { Logger } from '../util/logger.js';
import { SYSTEM_ACTOR } from './actor.js';
import { purgeDigest, runRetention } from './service.js';

export const JOBS = { retention: 'retention.run', digest: 'retention.digest' } as const;

const MINUTE = 60_000;
const LOOKBACK = 400 * 24 * 60; // minutes; a gap longer than this counts as missed anyway

/** Pure: did a slot of the schedule (`matches`) fall after lastAt and up to now? Never run → yes. */
export function missedSlot(lastAt: string | undefined, now: Date, matches: (d: Date) => boolean): boolean {
  if (lastAt === undefined) return true;
  const last = Date.parse(lastAt);
  if (Number.isNaN(last)) return true;
  let t = Math.floor(last / MINUTE) * MINUTE + MINUTE;
  const end = now.getTime();
  for (let i = 0; t <= end; t += MINUTE, i++) {
    if (i > LOOKBACK) return true;
    if (matches(new Date(t))) return true;
  }
  return false;
}

export interface ScheduleDeps {
  custody: Custody;
  store: ObjectStore;
  config: Pick<Config, 'retention' | 'timezone'>;
  logger: Pick<Logger, 'info' | 'warn' | 'error'>;
  now?: () => Date;
}

export async function runRetentionJob(d: ScheduleDeps): Promise<void> {
  const now = (d.now ?? (() => new Date()))();
  try {
    const r = await runRetention({ custody: d.custody, store: d.store, config: d.config, now: d.now }, SYSTEM_ACTOR);
    d.logger.info(`retention run: graced ${r.graced}, purged ${r.purged}, freed ${r.bytesFreed} bytes, kept ${r.kept}`);
    if (r.errors.length) {
      d.custody.raiseAlert({ kind: 'retention.failed', severity: 'critical', message: `retention run: ${r.errors.length} purge(s) failed: ${r.errors.join('; ')}` });
    }
    repo.recordScheduleRun(d.custody.ctx(), JOBS.retention, now.toISOString());
  } catch (err) {
    const message = `retention run failed: ${(err as Error).message}`;
    d.logger.error(message);
    d.custody.raiseAlert({ kind: 'retention.failed', severity: 'critical', message });
  }
}

export function runDigestJob(d: ScheduleDeps): void {
  const now = (d.now ?? (() => new Date()))();
  try {
    const due = purgeDigest({ custody: d.custody, store: d.store, config: d.config, now: d.now }, 7);
    const head = due.slice(0, 20).map((e) => `#${e.recordingId} ${e.purgeOn.slice(0, 10)} (${e.category})`).join(', ');
    d.custody.raiseAlert({
      kind: 'retention.digest', severity: 'info',
      message: due.length ? `${due.length} recording(s) will be purged in the next 7 days: ${head}${due.length > 20 ? ', …' : ''} (evidock retention digest)` : 'no recording will be purged in the next 7 days',
    });
    repo.recordScheduleRun(d.custody.ctx(), JOBS.digest, now.toISOString());
  } catch (err) {
    d.logger.error(`retention digest failed: ${(err as Error).message}`);
  }
}

export interface RetentionSchedule { stop(): void; caughtUp: Promise<void>; /** Resolves when no job is running. */ idle(): Promise<void> }

/** Starts both schedules; runs now whichever slot was missed since its last recorded run. */
export function startRetentionSchedule(d: ScheduleDeps): RetentionSchedule {
  const { schedule, digestSchedule } = d.config.retention;
  for (const [key, expr] of [['retention.schedule', schedule], ['retention.digestSchedule', digestSchedule]] as const) {
    if (!validate(expr)) throw new Error(`${key}: not a cron expression: ${JSON.stringify(expr)}`);
  }
  // One job at a time: a digest never reads a plan a run is halfway through.
  let chain: Promise<void> = Promise.resolve();
  const serial = (fn: () => Promise<void> | void) => { chain = chain.then(fn, fn); return chain; };
  const tasks: ScheduledTask[] = [
    createTask(schedule, () => serial(() => runRetentionJob(d)), { name: JOBS.retention }),
    createTask(digestSchedule, () => serial(() => runDigestJob(d)), { name: JOBS.digest }),
  ];
  const now = (d.now ?? (() => new Date()))();
  const ctx = d.custody.ctx();
  const jobs: [string, ScheduledTask, () => Promise<void> | void][] = [
    [JOBS.retention, tasks[0]!, () => runRetentionJob(d)],
    [JOBS.digest, tasks[1]!, () => runDigestJob(d)],
  ];
  for (const [name, task, run] of jobs) {
    const last = repo.lastScheduleRun(ctx, name);
    if (name === JOBS.digest && last === undefined) {
      // A station's first start: the first digest comes at its first slot, not as noise now.
      repo.recordScheduleRun(ctx, name, now.toISOString());
      continue;
    }
    if (missedSlot(last, now, (t) => task.match(t))) {
      d.logger.info(`${name}: a scheduled run was missed (or never ran): running it now`);
      void serial(run);
    }
  }
  const caughtUp = chain;
  for (const t of tasks) void t.start();
  return {
    caughtUp,
    idle: () => chain,
    stop() { for (const t of tasks) void t.destroy(); },
  };
}
