// Last and next run of each schedule, so a restart knows what it missed.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';

export interface ScheduleRunRow { name: string; cron: string; lastRun: string | null; nextRun: string | null; lastResult: string | null }

const SELECT = "SELECT name, cron, last_run AS lastRun, next_run AS nextRun, last_result AS lastResult FROM schedule_runs WHERE name NOT LIKE '@%'";

export function listScheduleRuns(ctx: Ctx): ScheduleRunRow[] {
  return stmt(ctx.db, `${SELECT} ORDER BY name`).all() as ScheduleRunRow[];
}

export function getScheduleRun(ctx: Ctx, name: string): ScheduleRunRow | undefined {
  return stmt(ctx.db, `${SELECT} AND name = ?`).get(name) as ScheduleRunRow | undefined;
}

export function setNextRun(ctx: Ctx, name: string, cron: string, nextRun: string | null): void {
  stmt(ctx.db, `INSERT INTO schedule_runs (name, cron, next_run) VALUES (?, ?, ?)
    ON CONFLICT(name) DO UPDATE SET cron = excluded.cron, next_run = excluded.next_run`).run(name, cron, nextRun);
}

export function recordRun(ctx: Ctx, name: string, cron: string, at: string, result: string, nextRun: string | null): void {
  writeTx(ctx, () => {
    stmt(ctx.db, `INSERT INTO schedule_runs (name, cron, last_run, last_result, next_run) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(name) DO UPDATE SET cron = excluded.cron, last_run = excluded.last_run, last_result = excluded.last_result,
      next_run = excluded.next_run`).run(name, cron, at, result, nextRun);
    audit(ctx, 'schedule.run', { name, at, result });
  });
}
