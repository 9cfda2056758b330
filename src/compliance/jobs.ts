// The daemon's scheduled jobs (issue 11): sampled verify daily, full verify weekly, the late and
// not-docked scans hourly, the digest daily. Cron expressions from `schedules:` in the YAML
// (false disables a job); other modules add their own jobs to the same scheduler.
import path from 'node:path';
import { mkdirSync, writeFileSync } from 'node:fs';
import { DEFAULT_SCHEDULES, type Config } from '../config/schema.js';
import type { Custody } from '../custody/index.js';
import type { ObjectStore } from '../store/index.js';
import type { Job } from '../schedule/scheduler.js';
import { verifyCustody, verifyPassed } from '../integrity/verify.js';
import { rulesOf, scanGaps, scanLate, scanLending, scanNotDocked } from './scan.js';
import { stationDay, stationTime } from './format.js';

export interface JobDeps { custody: Custody; store: ObjectStore; config: Config; now?: () => Date }

/** The cron expression of each job: the YAML's, else the default; false → not scheduled. */
export function scheduleOf(config: Pick<Config, 'schedules'>, name: string, fallback: string): string | null {
  const v = config.schedules[name];
  if (v === false) return null;
  return v ?? fallback;
}

/** The daily digest: every open alert, as text and CSV, in each digest channel's directory. */
export function writeDigest(custody: Custody, config: Pick<Config, 'alerts' | 'timezone' | 'unit'>, now: Date): string[] {
  const dirs = config.alerts.channels.flatMap((c) => (c.type === 'digest' ? [c.dir] : []));
  const open = custody.listAlerts({ open: true });
  const day = stationDay(now.toISOString(), config.timezone);
  const text = [`evidock digest ${day} — ${config.unit.name} (${config.unit.code}): ${open.length} open alert(s)`, '',
    ...open.map((a) => `${stationTime(a.lastSeen, config.timezone)} [${a.severity}] ${a.kind} ${a.subject} ×${a.count}: ${a.message}`)].join('\n') + '\n';
  const q = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const csv = '\uFEFF' + ['id,severity,kind,subject,count,first seen,last seen,message',
    ...open.map((a) => [a.id, a.severity, a.kind, a.subject, a.count, stationTime(a.firstSeen, config.timezone), stationTime(a.lastSeen, config.timezone), a.message].map((x) => q(String(x))).join(','))].join('\r\n') + '\r\n';
  const written: string[] = [];
  for (const dir of dirs) {
    mkdirSync(dir, { recursive: true });
    const base = path.join(dir, `evidock-digest-${day}`);
    writeFileSync(`${base}.txt`, text);
    writeFileSync(`${base}.csv`, csv);
    written.push(`${base}.txt`, `${base}.csv`);
  }
  return written;
}

export function complianceJobs(deps: JobDeps): Job[] {
  const { custody, store, config } = deps;
  const now = deps.now ?? (() => new Date());
  const rules = rulesOf(config);
  const verify = (sample?: { percent: number }) => async () => {
    const r = await verifyCustody(custody, store, sample, config);
    if (!verifyPassed(r)) throw new Error(`integrity problems: ${r.missing.length} missing, ${r.mismatched.length} mismatched, chain ${r.auditChain.ok ? 'ok' : 'broken'}`);
    return `${r.checked} of ${r.objects} object(s) re-hashed, chain ok`;
  };
  const all: (Omit<Job, 'cron'> & { fallback: string })[] = [
    { name: 'verify-sample', fallback: DEFAULT_SCHEDULES['verify-sample'], run: verify({ percent: 5 }) },
    { name: 'verify-full', fallback: DEFAULT_SCHEDULES['verify-full'], run: verify() },
    { name: 'scan-late', fallback: DEFAULT_SCHEDULES['scan-late'], run: () => {
      const late = scanLate(custody, rules, now());
      const gaps = scanGaps(custody, rules);
      const lent = scanLending(custody, config.unit.code, now());
      return `${late.length} late dock session(s), ${gaps.length} new interruption(s), ${lent.length} lending alert(s)`;
    } },
    { name: 'scan-not-docked', fallback: DEFAULT_SCHEDULES['scan-not-docked'], run: () => `${scanNotDocked(custody, rules, now()).length} camera(s) not docked` },
    { name: 'digest', fallback: DEFAULT_SCHEDULES.digest, run: () => `${writeDigest(custody, config, now()).length} file(s) written` },
  ];
  return all.flatMap(({ fallback, ...j }) => {
    const c = scheduleOf(config, j.name, fallback);
    return c === null ? [] : [{ ...j, cron: c }];
  });
}
