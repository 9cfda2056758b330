// Alert channels against real receivers: a shell hook reading the alert on stdin, a webhook served
// by a local HTTP server on 127.0.0.1 that is down first and back later, a digest directory; the
// deliveries survive a restart (custody closed and reopened).
import http from 'node:http';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { openCustody, type Custody } from '../../src/custody/index.js';
import { accepts, deliverDue, fanOut, nextTryAfter, type Channel, type ChannelDeps } from '../../src/compliance/channels.js';
import { createLogger } from '../../src/util/logger.js';
import { tempDir } from '../custody/helpers.js';

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });

function receiver(port = 0): Promise<{ port: number; bodies: unknown[]; close: () => Promise<void> }> {
  const bodies: unknown[] = [];
  const server = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d: Buffer) => { b += d.toString(); });
    req.on('end', () => { bodies.push(JSON.parse(b)); res.writeHead(204).end(); });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve({
      port: (server.address() as AddressInfo).port, bodies,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }),
    }));
  });
}

async function freePort(): Promise<number> {
  const r = await receiver();
  await r.close();
  return r.port;
}

function setup(): { dir: string; clock: { t: Date }; open: () => Custody; deps: (c: Custody) => ChannelDeps } {
  const t = tempDir();
  cleanups.push(t.cleanup);
  const clock = { t: new Date('2026-11-30T09:00:00Z') };
  const logger = createLogger({ dataDir: t.dir, console: false, component: 'test' });
  return {
    dir: t.dir, clock,
    open: () => openCustody(path.join(t.dir, 'data'), { now: () => clock.t, osUser: null }),
    deps: (c) => ({ custody: c, logger, station: '330100000000', timezone: '+08:00', now: () => clock.t }),
  };
}

describe('channel rules (pure)', () => {
  it.each([
    [{ type: 'webhook', url: 'http://127.0.0.1:1/', timeoutMs: 100, retries: 1, minSeverity: 'warning' }, 'info', 'x', false],
    [{ type: 'webhook', url: 'http://127.0.0.1:1/', timeoutMs: 100, retries: 1, minSeverity: 'warning' }, 'warning', 'x', true],
    [{ type: 'webhook', url: 'http://127.0.0.1:1/', timeoutMs: 100, retries: 1, minSeverity: 'warning' }, 'critical', 'x', true],
    [{ type: 'digest', dir: '/d', kinds: ['late-upload'] }, 'critical', 'x', false],
    [{ type: 'digest', dir: '/d', kinds: ['late-upload'] }, 'info', 'late-upload', true],
  ] as [Channel, 'info' | 'warning' | 'critical', string, boolean][])('%j accepts %s %s → %s', (ch, severity, kind, ok) => {
    expect(accepts(ch, { kind, severity, subject: 's' })).toBe(ok);
  });
  it('an alert about a channel never goes to that channel', () => {
    const ch: Channel = { type: 'webhook', url: 'http://127.0.0.1:1/', timeoutMs: 100, retries: 1 };
    expect(accepts(ch, { kind: 'alert-delivery', severity: 'warning', subject: 'webhook:http://127.0.0.1:1/' })).toBe(false);
  });
  it('backs off exponentially, capped, and gives up after the retries', () => {
    const now = new Date('2026-11-30T09:00:00Z');
    expect([1, 2, 3, 4].map((n) => nextTryAfter(now, n, 3))).toEqual([
      '2026-11-30T09:00:05.000Z', '2026-11-30T09:00:10.000Z', '2026-11-30T09:00:20.000Z', null]);
    expect(nextTryAfter(now, 20, 30)).toBe('2026-11-30T09:10:00.000Z');
  });
});

describe('delivery', () => {
  it('a command hook gets the alert as JSON on stdin; a repeat is delivered again with its count; a failing hook is retried', async () => {
    const s = setup();
    const out = path.join(s.dir, 'hook.jsonl');
    const channels: Channel[] = [
      { type: 'command', run: `cat >> '${out}'`, timeoutMs: 10_000, retries: 2 },
      { type: 'command', run: 'cat > /dev/null; exit 3', timeoutMs: 10_000, retries: 1 },
      { type: 'command', run: 'sleep 30', timeoutMs: 300, retries: 0 },
    ];
    const c = s.open();
    cleanups.push(() => c.close());
    const id = c.raiseAlert({ kind: 'late-upload', severity: 'warning', subject: 'session:1', message: 'late' });
    expect(fanOut(channels, s.deps(c))).toBe(3);
    expect(fanOut(channels, s.deps(c))).toBe(0); // nothing new
    const r = await deliverDue(channels, s.deps(c));
    expect(r).toEqual({ delivered: 1, failed: 2 });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toEqual([expect.objectContaining({ id, kind: 'late-upload', severity: 'warning', subject: 'session:1', count: 1, station: '330100000000' })]);
    const ds = c.deliveries.listDeliveries(id);
    expect(ds.find((d) => d.channel.endsWith('exit 3'))).toMatchObject({ status: 'pending', attempts: 1, lastError: 'exit 3', nextTry: '2026-11-30T09:00:05.000Z' });
    expect(ds.find((d) => d.channel.endsWith('sleep 30'))).toMatchObject({ status: 'failed', lastError: 'timed out after 300 ms' });
    expect(c.listAlerts({ kind: 'alert-delivery' })).toMatchObject([{ subject: 'command:sleep 30', count: 1 }]);

    s.clock.t = new Date('2026-11-30T09:00:06Z');
    c.raiseAlert({ kind: 'late-upload', severity: 'warning', subject: 'session:1', message: 'late again' });
    fanOut(channels, s.deps(c));
    await deliverDue(channels, s.deps(c));
    const again = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(again.filter((x) => x.kind === 'late-upload').map((x) => x.count)).toEqual([1, 2]);
    // The alert about the stuck hook went to the working hook, not to the stuck one.
    expect(again.some((x) => x.kind === 'alert-delivery')).toBe(true);
    expect(c.deliveries.listDeliveries(id).find((d) => d.channel.endsWith('exit 3') && JSON.parse(d.payload).count === 1))
      .toMatchObject({ status: 'failed', attempts: 2 });
  });

  it('a webhook on 127.0.0.1: receiver down (bounded, no storm), back later, and a restart delivers what failed', async () => {
    const s = setup();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/alerts`;
    const channels: Channel[] = [{ type: 'webhook', url, timeoutMs: 2_000, retries: 2 }, { type: 'digest', dir: path.join(s.dir, 'digest') }];
    let c = s.open();
    for (let i = 1; i <= 5; i++) c.raiseAlert({ kind: 'not-docked', severity: 'warning', subject: `CAM000${i}`, message: `camera ${i}` });
    fanOut(channels, s.deps(c));
    // Down: one attempt this round, the other four wait (no storm); digest unaffected.
    expect(await deliverDue(channels, s.deps(c))).toEqual({ delivered: 5, failed: 1 });
    const web = () => c.deliveries.listDeliveries().filter((d) => d.channel === `webhook:${url}`);
    expect(web().map((d) => d.attempts)).toEqual([1, 0, 0, 0, 0]);
    // Still down when due again; then the retries are spent for the first.
    s.clock.t = new Date('2026-11-30T09:00:05Z');
    expect(await deliverDue(channels, s.deps(c))).toEqual({ delivered: 0, failed: 1 });
    s.clock.t = new Date('2026-11-30T09:00:15Z');
    await deliverDue(channels, s.deps(c));
    expect(web()[0]).toMatchObject({ status: 'failed', attempts: 3 });
    expect(readdirSync(path.join(s.dir, 'digest')).sort()).toEqual(['evidock-alerts-2026-11-30.csv', 'evidock-alerts-2026-11-30.txt']);
    expect(readFileSync(path.join(s.dir, 'digest/evidock-alerts-2026-11-30.txt'), 'utf8')).toContain('2026-11-30 17:00:00 +08:00 [warning] not-docked CAM0001 ×1: camera 1');

    // Restart with the receiver back: the given-up delivery is tried again, and the rest go out.
    c.close();
    const r = await receiver(port);
    cleanups.push(r.close);
    c = s.open();
    cleanups.push(() => c.close());
    expect(c.deliveries.retryFailedSince('2026-11-23T00:00:00Z')).toBe(1);
    s.clock.t = new Date('2026-11-30T09:10:00Z');
    fanOut(channels, s.deps(c));
    expect(await deliverDue(channels, s.deps(c))).toMatchObject({ failed: 0 });
    // The alert about the webhook itself (retries spent) is not sent to that webhook.
    expect(r.bodies.map((b) => (b as { subject: string }).subject).sort()).toEqual(['CAM0001', 'CAM0002', 'CAM0003', 'CAM0004', 'CAM0005']);
    expect(c.listAlerts({ kind: 'alert-delivery' })).toMatchObject([{ subject: `webhook:${url}` }]);
    expect(web().every((d) => d.status === 'delivered')).toBe(true);
  });
});

describe('the webhook stays on the LAN (invariant 6)', () => {
  it.each([
    ['http://127.0.0.1:8080/x', null], ['http://10.1.2.3/', null], ['https://172.16.0.1/', null], ['http://172.31.255.255/', null],
    ['http://192.168.1.10:9000/hook', null], ['http://169.254.0.5/', null], ['http://[::1]:8080/', null], ['http://[fd12:3456::1]/', null],
    ['http://[fe80::1]/', null],
    ['http://172.32.0.1/', /not a private/], ['http://8.8.8.8/', /not a private/], ['http://[2001:db8::1]/', /not a private/],
    ['http://alerts.example.com/', /not a host name/], ['http://localhost:8080/', /not a host name/], ['ftp://10.0.0.1/', /scheme ftp:/],
    ['not a url', /not a URL/],
  ] as const)('%s → %s', async (url, why) => {
    const { notOnLan } = await import('../../src/compliance/lan-webhook.js');
    const r = notOnLan(url);
    if (why === null) expect(r).toBeNull(); else expect(r).toMatch(why);
  });
});
