// The daemon's systemd watchdog follows its health checks (issue 7, defect 2 hook): while a check
// reports a problem, WATCHDOG=1 is withheld (systemd restarts the daemon) and STATUS says why.
import { describe, it, expect, afterAll } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startDaemon } from '../../src/daemon/daemon.js';
import { parseConfigText } from '../../src/config/validate.js';
import { BUILTIN_PROFILES } from '../../src/profiles/builtin.js';
import { listen, missing } from '../helpers/notify-socket.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-health-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
if (missing.length) console.warn(`health.test: skipping: ${missing.join(', ')} not installed`);

describe.skipIf(missing.length > 0)('daemon health and the systemd watchdog', () => {
  it('withholds WATCHDOG while a health check fails, says why in STATUS, pings again once healthy', async () => {
    const sock = path.join(dir, 'notify.sock');
    const l = await listen(sock);
    const config = parseConfigText(`dataDir: ${JSON.stringify(path.join(dir, 'data'))}\ndock:\n  blockDevices: false\n`, 'test.yaml');
    let wedged: string | undefined = 'store pipeline wedged: hash worker not answering';
    const d = await startDaemon({ config, source: 'test.yaml', profiles: BUILTIN_PROFILES }, {
      console: false, healthChecks: [() => undefined, () => wedged],
      env: { NOTIFY_SOCKET: sock, WATCHDOG_USEC: '200000', WATCHDOG_PID: String(process.pid) },
    });
    try {
      const status = await l.until(3); // READY, STATUS (state), STATUS (unhealthy)
      await new Promise((r) => setTimeout(r, 500)); // five watchdog intervals
      const msgs = l.messages.map((m) => m.msg);
      expect(msgs.some((m) => m.includes('WATCHDOG=1'))).toBe(false);
      expect(msgs.filter((m) => m === 'STATUS=unhealthy, watchdog withheld: store pipeline wedged: hash worker not answering')).toHaveLength(1);
      expect(status.length).toBeGreaterThanOrEqual(3);
      wedged = undefined;
      for (const end = Date.now() + 5000; !l.messages.some((m) => m.msg === 'WATCHDOG=1') && Date.now() < end;) await new Promise((r) => setTimeout(r, 20));
      expect(l.messages.map((m) => m.msg)).toEqual(expect.arrayContaining(['STATUS=healthy again', 'WATCHDOG=1']));
    } finally {
      await d.stop();
      l.child.kill();
    }
  });
});
