// The ledger in custody on a real SQLite file: recordings attributed by SQL exactly as the pure rule
// says (handover boundaries, clock-corrected times), re-attributed when a handover or a clock
// correction comes later; lifecycle refusals; append-only history; every change audited; lending
// alerts raised once; not-docked holders from the ledger.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../custody/helpers.js';
import { seed, config, type Seeded } from './seed.js';
import { holderAt } from '../../src/ledger/rules.js';
import { correctedStartMs } from '../../src/compliance/rules.js';
import { addDevice, assign, lifecycle, giveBack, LedgerError } from '../../src/ledger/service.js';
import { scanLendingSession } from '../../src/compliance/scan.js';
import { currentHoldings } from '../../src/compliance/holders.js';
import { syncRoster } from '../../src/access/roster-sync.js';
import { sha } from '../custody/helpers.js';
import { REBUILD_DAILY } from '../../src/custody/migration-ledger.js';
import { migrate } from '../../src/custody/migrations.js';
import { MIGRATIONS, openCustody } from '../../src/custody/index.js';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import path from 'node:path';

let tmp: ReturnType<typeof tempDir>;
let s: Seeded;
beforeEach(() => { tmp = tempDir(); s = seed(tmp.dir); });
afterEach(() => { s.custody.close(); tmp.cleanup(); });

const officerOf = (id: number) => s.custody.ledger.attributionOf(id)?.officer;

describe('attribution', () => {
  it('each recording counts for the holder at its clock-corrected start (SQL agrees with the pure rule)', () => {
    expect(Object.fromEntries(Object.entries(s.rec).map(([k, id]) => [k, officerOf(id)]))).toEqual({
      r1: 'A00001', r2: 'A00001', r3: 'A00002', r4: null, r5: 'A00003',
    });
    for (const id of Object.values(s.rec)) {
      const r = s.custody.getRecording(id)!;
      const history = s.custody.ledger.handoversOf(r.device).map((h) => ({ id: h.id, badge: h.badge, atMs: h.atMs }));
      expect(s.custody.ledger.attributionOf(id)?.holder ?? null).toBe(holderAt(history, correctedStartMs(r)));
      expect(s.custody.ledger.attributionOf(id)?.startMs).toBe(correctedStartMs(r));
    }
    // The badge the camera reported stays beside the attribution.
    expect(s.custody.getRecording(s.rec.r3!)!.badge).toBe('A00001');
  });

  it('a later clock correction moves a recording across the handover', () => {
    s.custody.correctRecordingTimes(s.rec.r3!, 120, 'offset measured again');
    expect(officerOf(s.rec.r3!)).toBe('A00001'); // 00:00:00 − 120 s is before the handover
  });

  it('a handover entered after the recordings (dated before them) re-attributes them', () => {
    addDevice(s.custody, { serial: 'CAM0004', model: 'DSJ-X1' });
    s.custody.upsertDevice({ serial: 'CAM0004', profile: 'generic', inRoster: true });
    const r = s.custody.commitRecording({ sessionId: null, deviceSerial: 'CAM0004', sourcePath: 'a.mp4', size: 1, mtimeMs: 0, sha256: sha(99),
      recordedStart: '2026-11-20T10:00:00Z', durationS: 10, startSource: 'filename', mediaKind: 'video' });
    expect(s.custody.ledger.attributionOf(r.recordingId)).toMatchObject({ holder: null, officer: null });
    assign(s.custody, 'CAM0004', 'A00001', '2026-11-20T09:00:00Z', new Date('2026-11-21T00:00:00Z'));
    expect(officerOf(r.recordingId)).toBe('A00001');
  });

  it('a camera outside the ledger counts for the badge it reported; registering it hands it to its holders', () => {
    s.custody.upsertDevice({ serial: 'LOOSE01', profile: 'generic', inRoster: false });
    const r = s.custody.commitRecording({ sessionId: null, deviceSerial: 'LOOSE01', badge: 'A00002', sourcePath: 'b.mp4', size: 1, mtimeMs: 0, sha256: sha(98),
      recordedStart: '2026-11-20T10:00:00Z', durationS: 10, startSource: 'filename', mediaKind: 'video' });
    expect(officerOf(r.recordingId)).toBe('A00002');
    addDevice(s.custody, { serial: 'LOOSE01', model: 'M' });
    expect(s.custody.ledger.attributionOf(r.recordingId)).toMatchObject({ holder: null, officer: null });
  });
});

describe('the per-day rollup', () => {
  const daily = () => s.custody.ctx().db.prepare('SELECT * FROM recording_daily ORDER BY officer, device_serial, session_id, day').all();
  const rebuilt = () => { const db = s.custody.ctx().db; db.exec(REBUILD_DAILY); return daily(); };

  it('kept by triggers equal to a rebuild through commits, handovers, corrections and re-registrations', () => {
    s.custody.correctRecordingTimes(s.rec.r3!, 120, 'offset measured again');
    addDevice(s.custody, { serial: 'CAM0004', model: 'DSJ-X1' });
    s.custody.upsertDevice({ serial: 'CAM0004', profile: 'generic', inRoster: true });
    s.custody.commitRecording({ sessionId: s.sessions.CAM0001!, deviceSerial: 'CAM0004', badge: 'A00003', sourcePath: 'c.mp4', size: 7, mtimeMs: 0, sha256: sha(97),
      recordedStart: '2026-11-20T10:00:00Z', durationS: 10, startSource: 'filename', mediaKind: 'video', ingestedAt: '2026-11-23T10:00:00Z' });
    assign(s.custody, 'CAM0004', 'A00001', '2026-11-20T09:00:00Z', new Date('2026-11-21T00:00:00Z'));
    const kept = daily();
    expect(kept.length).toBeGreaterThan(3);
    expect(rebuilt()).toEqual(kept);
  });

  it('answers as the per-recording rows do; a range not on whole days, another zone or deadline', () => {
    const agg = (r: Partial<Parameters<typeof s.custody.ledger.officerAggregates>[0]>) =>
      s.custody.ledger.officerAggregates({ fromMs: null, toMs: null, deadlineMs: 86_400_000, dayOffsetMs: 28_800_000, ...r });
    const whole = agg({});
    // 1 ms after the start of the station day of 1970-01-02 is not a whole day: the per-recording path.
    expect(agg({ fromMs: 86_400_000 - 28_800_000 + 1 })).toEqual(whole);
    expect(agg({ fromMs: 86_400_000 - 28_800_000 })).toEqual(whole);
    // Another deadline rebuilds the rollup; the raw path agrees.
    const shortDeadline = agg({ deadlineMs: 3_600_000 });
    expect(shortDeadline).toEqual(agg({ deadlineMs: 3_600_000, fromMs: 1 }));
    expect(shortDeadline.find((a) => a.officer === 'A00001')).toMatchObject({ late: 2 });
    const utc = agg({ dayOffsetMs: 0 });
    expect(s.custody.ctx().db.prepare('SELECT day_offset_ms AS off FROM ledger_meta').get()).toEqual({ off: 0 });
    expect(utc).toEqual(agg({ dayOffsetMs: 0, fromMs: 1 }));
    const dev = s.custody.ledger.deviceAggregates({ fromMs: null, toMs: null, dayOffsetMs: 28_800_000, deadlineMs: 86_400_000 });
    expect(dev).toEqual(s.custody.ledger.deviceAggregates({ fromMs: 1, toMs: null, dayOffsetMs: 28_800_000, deadlineMs: 86_400_000 }));
  });
});

describe('lifecycle and handovers', () => {
  it('refuses illegal steps naming the allowed ones (exit 2), and audits every change', () => {
    const err = (() => { try { lifecycle(s.custody, 'CAM0001', 'fault', { note: 'x' }); } catch (e) { return e as LedgerError; } })();
    expect(err).toBeInstanceOf(LedgerError);
    expect(err!.exitCode).toBe(2);
    expect(err!.message).toMatch(/camera CAM0001 is retired: .*nothing more may be done/);
    expect(() => lifecycle(s.custody, 'CAM0002', 'repair-back', {})).toThrow(/is inService: `device repair --back` needs inRepair; allowed now: `device fault`/);
    expect(() => lifecycle(s.custody, 'CAM0002', 'fault', {})).toThrow(/--note TEXT/);
    expect(() => lifecycle(s.custody, 'CAM0002', 'lost', { liable: 'NOBODY' })).toThrow(/--liable NOBODY is not an active officer/);
    expect(() => lifecycle(s.custody, 'NOPE000', 'retire', {})).toThrow(/camera NOPE000 is not in the ledger/);
    expect(() => assign(s.custody, 'CAM0003', 'A00001', undefined, new Date('2026-11-21T00:00:00Z'))).toThrow(/held by A00003: `device return CAM0003` first/);
    expect(() => giveBack(s.custody, 'CAM0002', undefined, new Date('2026-11-21T00:00:00Z'))).toThrow(/no holder to return/);
    expect(() => addDevice(s.custody, { serial: 'CAM0002', model: 'M' })).toThrow(/already in the ledger/);
    expect(() => addDevice(s.custody, { serial: 'CAM9', model: 'M' })).toThrow(/7 letters or digits/);
    expect(() => addDevice(s.custody, { serial: 'CAM0009', model: 'M', unit: 'NOPE' })).toThrow(/--unit NOPE is not a unit/);
    expect(() => addDevice(s.custody, { serial: 'CAM0009', model: 'M', price: '12.345' })).toThrow(/--price: not a price/);

    const events = s.custody.listAudit().map((e) => e.event).filter((e) => e.startsWith('device.'));
    expect(events).toEqual([
      'device.ledger.register', 'device.assign', // CAM0001 from the roster, its holder since ever
      'device.ledger.register', 'device.ledger.register', 'device.assign', 'device.return', 'device.assign',
      'device.registered', 'device.registered', 'device.registered', // the dock's device registry
      'device.fault', 'device.repair-sent', 'device.repair-back', 'device.damaged', 'device.retired', 'device.return',
    ]);
    const damaged = s.custody.listAudit({ event: 'device.damaged' })[0]!;
    expect(damaged.actor).toBe('C00001');
    expect(damaged.payload).toMatchObject({ serial: 'CAM0001', from: 'inService', to: 'damaged', liable: 'A00002', amountCents: 128000 });
  });

  it('keeps the history append-only', () => {
    const db = s.custody.ctx().db;
    expect(() => db.prepare("UPDATE handovers SET badge = 'A00003'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM device_events').run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM ledger_devices').run()).toThrow(/never deleted/);
  });

  it('the YAML badge seeds the holder; a change of it is a dated handover until a custodian hands the camera over', () => {
    const cfg = (devices: unknown[]) => ({ ...config, devices: devices as typeof config.devices });
    syncRoster(s.custody, cfg([...config.devices, { serial: 'CAM0005', badge: 'A00001' }]));
    expect(s.custody.ledger.getLedgerDevice('CAM0005')).toMatchObject({ holder: 'A00001', holderSinceMs: null, source: 'roster' });
    s.clock.t = '2026-11-22T00:00:00.000Z';
    syncRoster(s.custody, cfg([...config.devices, { serial: 'CAM0005', badge: 'A00002' }]));
    expect(s.custody.ledger.getLedgerDevice('CAM0005')).toMatchObject({ holder: 'A00002', holderSinceMs: Date.parse('2026-11-22T00:00:00Z') });
    // CAM0001 was handed over from the CLI: the YAML no longer decides its holder.
    expect(s.custody.ledger.getLedgerDevice('CAM0001')!.holder).toBeNull();
    expect(() => syncRoster(s.custody, cfg([{ serial: 'CAM0006', unit: 'NOPE' }]))).toThrow(/device CAM0006 names unit NOPE/);
  });
});

describe('upgrading a station', () => {
  it('a version-10 database: the roster\'s cameras and holders enter the ledger, its recordings are attributed', () => {
    const file = path.join(tmp.dir, 'v10', 'custody.db');
    mkdirSync(path.dirname(file), { recursive: true });
    const db = new Database(file);
    migrate(db, MIGRATIONS.filter((m) => m.version <= 10));
    db.prepare("INSERT INTO roster_devices (serial, model, badge, active) VALUES ('OLD0001', 'DSJ-V9', 'A00001', 1), ('OLD0002', NULL, NULL, 1), ('GONE001', NULL, 'A00002', 0)").run();
    db.prepare("INSERT INTO devices (serial, profile, first_seen, last_seen) VALUES ('OLD0001', 'generic', 'x', 'x')").run();
    db.prepare("INSERT INTO objects (sha256, size, stored_at) VALUES (?, 10, 'x')").run(sha(9));
    db.prepare(`INSERT INTO recordings (device_id, device_serial, source_path, size, mtime_ms, sha256, recorded_start, duration_s,
      start_source, media_kind, ingested_at) VALUES (1, 'OLD0001', 'a', 10, 0, ?, '2026-01-01T00:00:00.000Z', 60, 'filename', 'video', '2026-01-01T01:00:00.000Z')`).run(sha(9));
    db.close();
    const upgraded = openCustody(path.dirname(file), { osUser: null });
    try {
      expect(upgraded.ledger.listLedgerDevices().map((d) => [d.serial, d.model, d.holder, d.status])).toEqual([
        ['OLD0001', 'DSJ-V9', 'A00001', 'inService'], ['OLD0002', null, null, 'inService'],
      ]);
      expect(upgraded.ledger.attributionOf(1)).toMatchObject({ officer: 'A00001', holder: 'A00001', startMs: Date.parse('2026-01-01T00:00:00Z') });
      expect(upgraded.ledger.officerAggregates({ fromMs: null, toMs: null, deadlineMs: 86_400_000, dayOffsetMs: 28_800_000 }))
        .toEqual([{ officer: 'A00001', recordings: 1, late: 0, worstDelayMs: null, seconds: 60, docks: 0, days: 1 }]);
    } finally { upgraded.close(); }
  });
});

describe('lending and holders', () => {
  it('raises one lending alert per session and case, never twice', () => {
    const ids = [
      ...scanLendingSession(s.custody, 'STN', s.sessions.CAM0001!), ...scanLendingSession(s.custody, 'STN', s.sessions.CAM0002!),
      ...scanLendingSession(s.custody, 'STN', s.sessions.CAM0003!),
    ];
    const alerts = s.custody.listAlerts({ kind: 'lending' });
    expect(alerts.map((a) => a.id)).toEqual(ids);
    expect(alerts.map((a) => [a.subject, a.deviceSerial])).toEqual([
      [`session:${s.sessions.CAM0001}:badge-mismatch`, 'CAM0001'], [`session:${s.sessions.CAM0002}:no-holder`, 'CAM0002'],
      [`session:${s.sessions.CAM0003}:other-unit`, 'CAM0003'],
    ]);
    expect(alerts[0]!.message).toMatch(/camera CAM0001 recorded under another officer's badge than the holder's \(art\. 18\(6\)\): 1 recording\(s\) under badge A00001, holder A00002/);
    expect(alerts[2]!.message).toMatch(/docked at a station of another unit .*camera of unit OTH, station of unit STN/);
    s.custody.ackAlert(alerts[0]!.id, 'C00001');
    expect(scanLendingSession(s.custody, 'STN', s.sessions.CAM0001!)).toEqual([]);
    expect(s.custody.listAlerts({ kind: 'lending' })).toHaveLength(3);
  });

  it('not-docked counts from the ledger holder and the handover time', () => {
    expect(currentHoldings(s.custody)).toEqual([
      { serial: 'CAM0003', badge: 'A00003', since: '2026-11-01T00:00:00.000Z', lastDock: expect.stringMatching(/^2026-11-13T01:00/) },
    ]);
  });
});
