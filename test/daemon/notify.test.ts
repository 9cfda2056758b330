// sd_notify against a real AF_UNIX SOCK_DGRAM socket (python3 listening where systemd would),
// through the real systemd-notify: the exact datagrams systemd would read, in order.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createNotifier, startWatchdog, watchdogIntervalMs } from '../../src/daemon/notify.js';
import { listen, missing } from '../helpers/notify-socket.js';
import { skipTest, skipUnless } from '../helpers/require.js';

const missingWhy = missing.length ? `not installed: ${missing.join(', ')}` : undefined;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-notify-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.skipIf(skipUnless('sd_notify through a real datagram socket', missingWhy))('sd_notify through systemd-notify to a real datagram socket', () => {
  it('sends READY (with MAINPID), WATCHDOG, STATUS and STOPPING, in call order, exactly', async () => {
    const sock = path.join(dir, 'notify.sock');
    const l = await listen(sock);
    try {
      const errors: Error[] = [];
      const n = createNotifier({ NOTIFY_SOCKET: sock }, { onError: (e) => errors.push(e) });
      expect(n.enabled).toBe(true);
      // Not awaited one by one: the notifier itself must keep the order.
      const sent = [n.ready('watching 2 dock roots'), n.watchdog(), n.status('ingesting ABC1234\n(3 files)'), n.stopping()];
      await Promise.all(sent);
      const got = await l.until(4);
      expect(got.map((m) => m.msg)).toEqual([
        `MAINPID=${process.pid}\nREADY=1\nSTATUS=watching 2 dock roots`,
        'WATCHDOG=1',
        'STATUS=ingesting ABC1234 (3 files)',
        'STOPPING=1',
      ]);
      expect(errors).toEqual([]);
      // As root, systemd-notify sends with our pid as the credential (accepted even by NotifyAccess=main);
      // otherwise its own pid, which is why the unit says NotifyAccess=all.
      if (process.getuid?.() === 0) expect(got.every((m) => m.pid === process.pid)).toBe(true);
      else expect(got.every((m) => typeof m.pid === 'number')).toBe(true);
    } finally {
      l.child.kill();
    }
  });

  it('works with an abstract NOTIFY_SOCKET (@name), as systemd also hands out', async () => {
    const name = `@evidock-test-${process.pid}-${Date.now()}`;
    const l = await listen(name);
    try {
      const n = createNotifier({ NOTIFY_SOCKET: name });
      await n.ready();
      await n.stopping('bye');
      expect((await l.until(2)).map((m) => m.msg)).toEqual([`MAINPID=${process.pid}\nREADY=1`, 'STOPPING=1\nSTATUS=bye']);
    } finally {
      l.child.kill();
    }
  });

  it('startWatchdog pings every WATCHDOG_USEC/2 while healthy, and not at all when unhealthy', async () => {
    const sock = path.join(dir, 'wd.sock');
    const l = await listen(sock);
    try {
      const env = { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) };
      let healthy = false;
      const stop = startWatchdog(createNotifier(env), { healthy: () => healthy });
      await new Promise((r) => setTimeout(r, 450));
      expect(l.messages).toEqual([]);
      healthy = true;
      const got = await l.until(2);
      stop();
      expect(got.length).toBeGreaterThanOrEqual(2);
      expect(got.every((m) => m.msg === 'WATCHDOG=1')).toBe(true);
      const after = l.messages.length;
      await new Promise((r) => setTimeout(r, 400));
      expect(l.messages.length).toBeLessThanOrEqual(after + 1); // at most the ping already in flight
    } finally {
      l.child.kill();
    }
  });
});

describe('sd_notify without systemd', () => {
  it('is a no-op when NOTIFY_SOCKET is unset: nothing is spawned', async () => {
    const errors: Error[] = [];
    // A command that cannot run: any attempt to spawn it would be reported.
    const n = createNotifier({}, { command: path.join(dir, 'no-such-systemd-notify'), onError: (e) => errors.push(e) });
    expect(n.enabled).toBe(false);
    await Promise.all([n.ready('x'), n.watchdog(), n.status('y'), n.stopping()]);
    expect(errors).toEqual([]);
    expect(startWatchdog(n)).toBeTypeOf('function');
  });

  it('reports a missing systemd-notify once and carries on', async () => {
    const errors: Error[] = [];
    const n = createNotifier({ NOTIFY_SOCKET: path.join(dir, 'x.sock') }, { command: path.join(dir, 'no-such-systemd-notify'), onError: (e) => errors.push(e) });
    await n.ready();
    await n.watchdog();
    await n.stopping();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.message).toMatch(/not installed/);
  });

  it('reports a send that fails (no listener on the socket) without throwing', async () => {
    if (missing.length) return;
    const errors: Error[] = [];
    const n = createNotifier({ NOTIFY_SOCKET: path.join(dir, 'nobody-listens.sock') }, { onError: (e) => errors.push(e) });
    await n.status('anyone?');
    expect(errors).toHaveLength(1);
  });
});

describe('watchdogIntervalMs', () => {
  const me = 4242;
  it.each([
    [{}, undefined],
    [{ WATCHDOG_USEC: '60000000' }, 30_000],
    [{ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '4242' }, 30_000],
    [{ WATCHDOG_USEC: '60000000', WATCHDOG_PID: '1' }, undefined],
    [{ WATCHDOG_USEC: '1500' }, 1],
    [{ WATCHDOG_USEC: '0' }, undefined],
    [{ WATCHDOG_USEC: '-5' }, undefined],
    [{ WATCHDOG_USEC: '60s' }, undefined],
    [{ WATCHDOG_PID: '4242' }, undefined],
  ] as [NodeJS.ProcessEnv, number | undefined][])('%j → %s', (env, want) => {
    expect(watchdogIntervalMs(env, me)).toBe(want);
  });

  it('is exposed on the notifier, also when NOTIFY_SOCKET is unset', () => {
    expect(createNotifier({ WATCHDOG_USEC: '60000000' }, { pid: me }).watchdogIntervalMs).toBe(30_000);
  });
});
