// Every dock session ends with a status whatever throws outside the per-file handling
// (issue 7, defect 5): a throwing progress callback, a custody read failing mid-ingest.
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runDockSession } from '../../src/session/dock-session.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import type { Custody } from '../../src/custody/index.js';
import { makeRandomVolume } from '../helpers/volumes.js';
import { ctxOf, station, type Station } from '../ingest/dock-helpers.js';

const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = () => { const s = station(); stations.push(s); return s; };

/** The real custody, with one method failing the way a disk error in SQLite would. */
function failing(custody: Custody, method: 'hasRecording', afterCalls: number): Custody {
  let calls = 0;
  return new Proxy(custody, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver) as unknown;
      if (typeof v !== 'function') return v;
      if (prop === method) {
        return (...args: unknown[]) => {
          if (++calls > afterCalls) throw new Error('SQLITE_IOERR: disk I/O error');
          return (v as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return (v as (...a: unknown[]) => unknown).bind(target);
    },
  });
}

describe('a session always ends with a status', () => {
  it('a progress callback that throws does not leave the session running: the ingest goes on', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    const rels = makeRandomVolume(cam, { serial: 'GRD0001', sizes: [1000, 2000, 3000] });
    const r = await runDockSession(await directoryVolume(cam), ctxOf(s), s, { onProgress: () => { throw new Error('display gone'); } });
    expect(r).toMatchObject({ status: 'complete', stored: rels.length });
    expect(s.custody.listSessions({ running: true })).toEqual([]);
  });

  it('a custody read failing mid-ingest ends the session failed, with a critical alert naming the error', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    makeRandomVolume(cam, { serial: 'GRD0002', sizes: [1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000] });
    const deps = { ...s, custody: failing(s.custody, 'resumeFingerprints', 2) };
    // The ingest itself turns a throw outside the per-file handling into an interrupted session (the
    // store side cannot be trusted); either way the session ends with a status and a critical alert.
    const r = await runDockSession(await directoryVolume(cam), ctxOf(s), deps).catch((e: Error) => e);
    expect(s.custody.listSessions({ running: true })).toEqual([]);
    const [session] = s.custody.listSessions();
    expect(session?.deviceSerial).toBe('GRD0002');
    expect(['failed', 'interrupted']).toContain(session!.status);
    if (r instanceof Error) expect(r.message).toMatch(/SQLITE_IOERR/);
    expect(session!.errors.join('\n')).toMatch(/SQLITE_IOERR/);
    const alerts = s.custody.listAlerts({ sessionId: session!.id });
    expect(alerts.filter((a) => a.severity === 'critical').map((a) => a.message).join('\n')).toMatch(/SQLITE_IOERR/);
    expect(s.custody.listAudit({ event: 'dock.session.end' }).at(-1)?.payload).toMatchObject({ sessionId: session!.id, status: session!.status });
    expect(s.custody.verifyAuditChain().ok).toBe(true);
  });
});
