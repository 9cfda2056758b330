// Alert channels (issue 11): the log always; a command (alert JSON on stdin), a webhook on the LAN
// (POST JSON), a daily digest file. Each raise or repeat of an alert is queued per channel in custody
// (so a restart retries what failed) and delivered with a timeout and bounded retries with backoff;
// a channel that failed this round gets nothing more until its next try (no storm).
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import type { channelSchema } from '../config/schema.js';
import type { AlertRow, Custody, DeliveryRow } from '../custody/index.js';
import type { Logger } from '../util/logger.js';
import { stationDay, stationTime } from './format.js';
import { postJsonOnLan } from './lan-webhook.js';

export type Channel = z.infer<typeof channelSchema>;
const RANK = { info: 0, warning: 1, critical: 2 } as const;

export function channelKey(ch: Channel): string {
  switch (ch.type) {
    case 'log': return 'log';
    case 'command': return `command:${ch.run}`;
    case 'webhook': return `webhook:${ch.url}`;
    case 'digest': return `digest:${ch.dir}`;
  }
}

/** Pure: the channel's filters (minSeverity, kinds); an alert about a channel never goes to that channel. */
export function accepts(ch: Channel, a: Pick<AlertRow, 'kind' | 'severity' | 'subject'>): boolean {
  if (ch.minSeverity && RANK[a.severity] < RANK[ch.minSeverity]) return false;
  if (ch.kinds && !ch.kinds.includes(a.kind)) return false;
  return !(a.kind === 'alert-delivery' && a.subject === channelKey(ch));
}

/** Pure: when to try again after `attempts` failures (1, 2, …), or null when the retries are spent. */
export function nextTryAfter(now: Date, attempts: number, retries: number, baseMs = 5_000, maxMs = 600_000): string | null {
  if (attempts > retries) return null;
  return new Date(now.getTime() + Math.min(maxMs, baseMs * 2 ** (attempts - 1))).toISOString();
}

export function alertPayload(a: AlertRow): Record<string, unknown> {
  return {
    id: a.id, kind: a.kind, severity: a.severity, subject: a.subject, message: a.message, firstSeen: a.firstSeen, lastSeen: a.lastSeen,
    count: a.count, device: a.deviceSerial, session: a.sessionId, ackedAt: a.ackedAt, ackedBy: a.ackedBy,
  };
}

export interface ChannelDeps { custody: Custody; logger: Logger; station: string; timezone: string; now?: () => Date }

/** Queues every alert raised or repeated since the last call for each channel that accepts it; logs it. */
export function fanOut(channels: readonly Channel[], deps: ChannelDeps): number {
  const { custody } = deps;
  const cursor = custody.deliveries.deliveryCursor() ?? '';
  let max = cursor;
  let queued = 0;
  for (const a of custody.listAlerts({}).filter((x) => x.lastSeen >= cursor)) {
    if (a.lastSeen > max) max = a.lastSeen;
    const payload = JSON.stringify({ station: deps.station, ...alertPayload(a) });
    if (!custody.deliveries.hasDelivery(a.id, 'log', a.count)) {
      // The log channel is always on and cannot fail: recorded as delivered at once.
      deps.logger[a.severity === 'critical' ? 'error' : a.severity === 'warning' ? 'warn' : 'info'](`alert ${a.severity} ${a.kind} [${a.subject}] ×${a.count}: ${a.message}`);
      custody.deliveries.markDelivered(custody.deliveries.enqueueDelivery(a.id, 'log', payload));
    }
    for (const ch of channels) {
      if (ch.type === 'log' || !accepts(ch, a)) continue;
      const key = channelKey(ch);
      if (custody.deliveries.hasDelivery(a.id, key, a.count)) continue;
      custody.deliveries.enqueueDelivery(a.id, key, payload);
      queued += 1;
    }
  }
  if (max !== cursor) custody.deliveries.setDeliveryCursor(max);
  return queued;
}

function runCommand(run: string, input: string, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', run], { stdio: ['pipe', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { if (stderr.length < 2000) stderr += d.toString(); });
    const timer = setTimeout(() => {
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { child.kill('SIGKILL'); }
      reject(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', (e) => { clearTimeout(timer); reject(e); });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`exit ${code ?? signal}${stderr ? `: ${stderr.trim().slice(0, 300)}` : ''}`));
    });
    child.stdin.on('error', () => { /* a hook that does not read its stdin still decides by its exit code */ });
    child.stdin.end(input);
  });
}

const CSV_HEAD = 'time,severity,kind,subject,count,message\r\n';
const csv = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** The digest channel: one text and one CSV file per station day, each alert appended as it comes. */
export function appendDigest(dir: string, a: Record<string, unknown>, timezone: string): void {
  mkdirSync(dir, { recursive: true });
  const at = String(a.lastSeen);
  const base = path.join(dir, `evidock-alerts-${stationDay(at, timezone)}`);
  appendFileSync(`${base}.txt`, `${stationTime(at, timezone)} [${String(a.severity)}] ${String(a.kind)} ${String(a.subject)} ×${String(a.count)}: ${String(a.message)}\n`);
  if (!existsSync(`${base}.csv`)) appendFileSync(`${base}.csv`, `\uFEFF${CSV_HEAD}`);
  appendFileSync(`${base}.csv`, [stationTime(at, timezone), a.severity, a.kind, a.subject, a.count, a.message].map((x) => csv(String(x))).join(',') + '\r\n');
}

async function deliverOne(ch: Channel, d: DeliveryRow, timezone: string): Promise<void> {
  switch (ch.type) {
    case 'log': return;
    case 'command': return runCommand(ch.run, d.payload + '\n', ch.timeoutMs);
    case 'webhook': return postJsonOnLan(ch.url, d.payload, ch.timeoutMs);
    case 'digest': appendDigest(ch.dir, JSON.parse(d.payload) as Record<string, unknown>, timezone); return;
  }
}

const retriesOf = (ch: Channel) => ('retries' in ch ? ch.retries : 3);

/** Delivers what is due; a channel that fails is skipped for the rest of this round. */
export async function deliverDue(channels: readonly Channel[], deps: ChannelDeps): Promise<{ delivered: number; failed: number }> {
  const { custody, logger } = deps;
  const now = deps.now ?? (() => new Date());
  const byKey = new Map(channels.map((c) => [channelKey(c), c]));
  const down = new Set<string>();
  let delivered = 0;
  let failed = 0;
  for (const d of custody.deliveries.dueDeliveries()) {
    if (down.has(d.channel)) continue;
    const ch = byKey.get(d.channel);
    if (!ch) { custody.deliveries.markAttemptFailed(d.id, 'channel no longer configured', null); continue; }
    try {
      await deliverOne(ch, d, deps.timezone);
      custody.deliveries.markDelivered(d.id);
      delivered += 1;
    } catch (err) {
      failed += 1;
      down.add(d.channel);
      const msg = (err as Error).message;
      const next = nextTryAfter(now(), d.attempts + 1, retriesOf(ch));
      custody.deliveries.markAttemptFailed(d.id, msg, next);
      logger.warn(`alert ${d.alertId} to ${d.channel}: ${msg}${next ? `; next try ${next}` : '; retries spent'}`);
      if (next === null) {
        custody.raiseAlert({ kind: 'alert-delivery', severity: 'warning', subject: d.channel,
          message: `alert ${d.alertId} could not be delivered to ${d.channel} after ${d.attempts + 1} attempt(s): ${msg} (retried after a restart)` });
      }
    }
  }
  return { delivered, failed };
}
