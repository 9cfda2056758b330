// A small custody database whose reports are computed by hand in the tests (real SQLite file, the
// custody API and the ledger service, a settable clock). Times UTC; the station is at +08:00.
//
// Units STN (the station's), SUB (below it), OTH (another unit). Officers A00001, A00002 (STN),
// A00003 (SUB), custodian C00001, head H00001.
// CAM0001 (YAML roster: holder A00001 since ever, 1280 yuan): returned and handed to A00002 at
//   2026-11-10T00:00Z (the same moment); docked 2026-11-10T12:00Z with
//   r1 23:50:00Z (11-09) 600 s → A00001; r2 raw 00:00:30Z, camera 60 s fast → 23:59:30Z → A00001;
//   r3 raw 00:00:00Z exactly, 120 s, reports badge A00001 → A00002 (badge-mismatch lending);
//   later damaged (A00002 liable, 1280) and retired.
// CAM0002 (`device add`, 999.50 yuan, never assigned): r4 2026-11-11T10:00Z 1800 s docked
//   2026-11-12T12:00Z: no holder (lending), 25.5 h late; fault → repair sent → back.
// CAM0003 (unit OTH, assigned to A00003 2026-11-01): r5 2026-11-12T20:00Z 300 s reports A00003,
//   docked here 2026-11-13T01:00Z (a camera of another unit).
// A gap from r1's end (2026-11-10T00:00Z) to r3, counted against A00001.
import { openCustody, type Custody } from '../../src/custody/index.js';
import { addDevice, assign, giveBack, lifecycle } from '../../src/ledger/service.js';
import { syncRoster } from '../../src/access/roster-sync.js';
import { configSchema } from '../../src/config/schema.js';
import { sha } from '../custody/helpers.js';

export const config = configSchema.parse({
  unit: { code: 'STN', name: 'Station unit' }, timezone: '+08:00',
  units: [{ code: 'SUB', name: 'Sub unit', parent: 'STN' }, { code: 'OTH', name: 'Other unit' }],
  officers: [
    { badge: 'A00001', name: 'Li Wei', roles: ['officer'] }, { badge: 'A00002', name: 'Chen Jing', roles: ['officer'] },
    { badge: 'A00003', name: 'Wang Fang', roles: ['officer'], unit: 'SUB' },
    { badge: 'C00001', name: 'Zhao Custodian', roles: ['custodian'] }, { badge: 'H00001', name: 'Zhang Head', roles: ['head'] },
  ],
  devices: [{ serial: 'CAM0001', model: 'DSJ-V9', badge: 'A00001', unit: 'STN', purchaseDate: '2025-03-18', price: 1280 }],
});

export interface Seeded { custody: Custody; clock: { t: string }; rec: Record<string, number>; sessions: Record<string, number> }

export function seed(dir: string): Seeded {
  const clock = { t: '2026-10-01T00:00:00.000Z' };
  const custody = openCustody(dir, { actor: 'C00001', osUser: null, now: () => new Date(clock.t) });
  const at = (t: string) => { clock.t = t; return new Date(t); };
  syncRoster(custody, config);
  addDevice(custody, { serial: 'CAM0002', model: 'DSJ-X1', price: '999.50', purchased: '2026-01-05' });
  addDevice(custody, { serial: 'CAM0003', model: 'DSJ-X1', unit: 'OTH', price: '1000' });
  assign(custody, 'CAM0003', 'A00003', '2026-11-01T00:00:00Z', at('2026-11-01T00:05:00Z'));
  giveBack(custody, 'CAM0001', '2026-11-10T00:00:00Z', at('2026-11-10T00:01:00Z'));
  assign(custody, 'CAM0001', 'A00002', '2026-11-10T00:00:00Z', at('2026-11-10T00:01:00Z'));

  const rec: Record<string, number> = {};
  const sessions: Record<string, number> = {};
  let n = 0;
  const dock = (serial: string, t: string, files: { key: string; start: string; seconds: number; offset?: number; badge?: string }[]) => {
    at(t);
    custody.upsertDevice({ serial, profile: 'generic', inRoster: true });
    const s = custody.startSession({ deviceSerial: serial, profile: 'generic', sourcePath: `/dock/${serial}` });
    sessions[serial] = s;
    for (const f of files) {
      const start = new Date(Date.parse(f.start));
      const r = custody.commitRecording({
        sessionId: s, deviceSerial: serial, badge: f.badge ?? null, sourcePath: `DCIM/${f.key}.MP4`, size: 1_000_000 * (++n), mtimeMs: start.getTime(),
        sha256: sha(n), recordedStart: start, recordedEnd: new Date(start.getTime() + f.seconds * 1000), durationS: f.seconds,
        startSource: 'filename', mediaKind: 'video', ingestedAt: new Date(Date.parse(t) + 30_000), clockOffsetS: f.offset ?? null,
      });
      rec[f.key] = r.recordingId;
    }
    custody.endSession(s, { status: 'complete', files: files.length, bytes: 0, stored: files.length, duplicates: 0, failed: 0, errors: [] });
  };
  dock('CAM0001', '2026-11-10T12:00:00Z', [
    { key: 'r1', start: '2026-11-09T23:50:00Z', seconds: 600 },
    { key: 'r2', start: '2026-11-10T00:00:30Z', seconds: 60, offset: 60 },
    { key: 'r3', start: '2026-11-10T00:00:00Z', seconds: 120, badge: 'A00001' },
  ]);
  dock('CAM0002', '2026-11-12T12:00:00Z', [{ key: 'r4', start: '2026-11-11T10:00:00Z', seconds: 1800 }]);
  dock('CAM0003', '2026-11-13T01:00:00Z', [{ key: 'r5', start: '2026-11-12T20:00:00Z', seconds: 300, badge: 'A00003' }]);
  at('2026-11-13T02:00:00Z');
  custody.gaps.addGap({ device: 'CAM0001', badge: null, beforeRecording: rec.r1!, afterRecording: rec.r3!, gapStart: '2026-11-10T00:00:00.000Z', gapEnd: '2026-11-10T00:00:40.000Z', gapSeconds: 40 });

  at('2026-11-14T01:00:00Z');
  lifecycle(custody, 'CAM0002', 'fault', { note: 'lens cracked' });
  at('2026-11-14T02:00:00Z');
  lifecycle(custody, 'CAM0002', 'repair-sent', {});
  at('2026-11-18T03:00:00Z');
  lifecycle(custody, 'CAM0002', 'repair-back', { note: 'lens replaced' });
  at('2026-11-19T04:00:00Z');
  lifecycle(custody, 'CAM0001', 'damaged', { liable: 'A00002', note: 'dropped from a motorbike' });
  at('2026-11-20T05:00:00Z');
  lifecycle(custody, 'CAM0001', 'retire', {});
  at('2026-11-21T00:00:00Z');
  return { custody, clock, rec, sessions };
}
