// A generic job scheduler over node-cron: any module registers named jobs (compliance scans,
// verify, digest; retention and archive later). Last and next runs are persisted in custody; a run
// missed while the daemon was down is caught up once at start; runs never overlap (one queue: a job
// already running or waiting is not queued again).
import cron, { type ScheduledTask } from 'node-cron';
import type { Custody } from '../custody/index.js';
import type { Logger } from '../util/logger.js';

export interface Job {
  name: string;
  /** node-cron expression (5 or 6 fields) */
  cron: string;
  /** a one-line result for `status`; a throw is a failed run (alert raised) */
  run: () => Promise<string> | string;
}

export interface SchedulerOptions {
  custody: Custody;
  logger: Logger;
  /** "local" or an offset like +08:00 (the station's `timezone`) */
  timezone?: string | undefined;
  now?: () => Date;
}

export interface Scheduler {
  /** Runs a job now (queued behind any running one); resolves when it ran or was skipped. */
  runNow(name: string, reason?: string): Promise<void>;
  /** Resolves when nothing is running or queued. */
  idle(): Promise<void>;
  stop(): void;
}

/** Pure: a persisted next run that is already past at start was missed while the daemon was down. */
export function missedRun(persistedNext: string | null | undefined, now: Date): boolean {
  if (!persistedNext) return false;
  const t = Date.parse(persistedNext);
  return !Number.isNaN(t) && t <= now.getTime();
}

/** The station's offset as an IANA zone node-cron understands (whole hours: Etc/GMT∓H); else the machine's zone. */
export function cronZone(timezone: string | undefined): string | undefined {
  const m = timezone ? /^([+-])(\d{2}):00$/.exec(timezone) : null;
  if (!m) return undefined;
  const h = Number(m[2]);
  if (h === 0) return 'Etc/UTC';
  return `Etc/GMT${m[1] === '+' ? '-' : '+'}${h}`; // POSIX sign: Etc/GMT-8 is UTC+8
}

/** Config check: every job's expression parses (named on error). */
export function checkJobs(jobs: readonly Job[]): string[] {
  return jobs.filter((j) => !cron.validate(j.cron)).map((j) => `schedules.${j.name}: not a cron expression: "${j.cron}"`);
}

export function startScheduler(jobs: readonly Job[], opts: SchedulerOptions): Scheduler {
  const { custody, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const timezone = cronZone(opts.timezone);
  const bad = checkJobs(jobs);
  if (bad.length) throw Object.assign(new Error(bad.join('; ')), { exitCode: 2 });
  const tasks = new Map<string, ScheduledTask>();
  const pending = new Set<string>();
  let chain: Promise<void> = Promise.resolve();
  let stopped = false;

  const nextOf = (name: string): string | null => tasks.get(name)?.getNextRun()?.toISOString() ?? null;

  const runNow = (name: string, reason = 'scheduled'): Promise<void> => {
    const job = jobs.find((j) => j.name === name);
    if (!job) return Promise.reject(new Error(`no job ${name}`));
    if (pending.has(name)) {
      logger.info(`schedule ${name}: still running or queued, this ${reason} run skipped`);
      return chain;
    }
    pending.add(name);
    chain = chain.then(async () => {
      if (stopped) return;
      const at = now().toISOString();
      let result: string;
      try {
        result = `ok: ${await job.run()}`;
        logger.info(`schedule ${name} (${reason}): ${result}`);
      } catch (err) {
        result = `failed: ${(err as Error).message}`;
        logger.error(`schedule ${name} (${reason}): ${result}`);
        try { custody.raiseAlert({ kind: 'schedule-failed', severity: 'warning', subject: `schedule:${name}`, message: `scheduled job ${name} failed: ${(err as Error).message}` }); } catch { /* custody closed */ }
      } finally {
        pending.delete(name);
      }
      try { custody.schedules.recordRun(name, job.cron, at, result, nextOf(name)); } catch (err) { logger.warn(`schedule ${name}: not recorded: ${(err as Error).message}`); }
    });
    return chain;
  };

  const missed: string[] = [];
  for (const job of jobs) {
    const before = custody.schedules.getScheduleRun(job.name);
    const task = cron.schedule(job.cron, () => { void runNow(job.name); }, { name: `evidock:${job.name}`, timezone, noOverlap: true, suppressMissedWarning: true });
    tasks.set(job.name, task);
    // Catch up once: the run that should have happened while we were down (however many were missed).
    if (missedRun(before?.nextRun, now())) missed.push(job.name);
    custody.schedules.setNextRun(job.name, job.cron, nextOf(job.name));
  }
  for (const name of missed) void runNow(name, 'missed while stopped, caught up');

  return {
    runNow,
    idle: async () => { let c; do { c = chain; await c; } while (c !== chain); },
    stop: () => {
      stopped = true;
      for (const t of tasks.values()) void t.destroy();
      tasks.clear();
    },
  };
}
