// A synthetic custody database for scripts/bench-reports.sh: units, officers, ledger cameras with
// handovers, dock sessions, recordings (some clock-corrected, some reporting another badge, many
// late), gaps, lifecycle events and open alerts — written in one transaction of prepared inserts,
// through the same triggers a real commit goes through. Deterministic (seeded), no audit entries:
// it measures the reports, not the commit path.
import { stmt } from './db.js';
import type { Ctx } from './context.js';
import { syncRoster } from './roster.js';

export interface BenchSize { recordings: number; cameras: number; officers: number; handovers: number; days: number; units: number }

export const BENCH_DEFAULT: BenchSize = { recordings: 1_000_000, cameras: 500, officers: 400, handovers: 20_000, days: 365, units: 8 };
export const BENCH_START = Date.parse('2025-12-01T00:00:00Z');

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (s + 0x6D2B79F5) >>> 0; let t = s; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
}

const iso = (ms: number) => new Date(ms).toISOString();

export function fillBenchDatabase(ctx: Ctx, size: BenchSize = BENCH_DEFAULT): { sessions: number; gaps: number } {
  const rand = rng(42);
  const pick = <T>(a: readonly T[]) => a[Math.floor(rand() * a.length)]!;
  const span = size.days * 86_400_000;
  const units = Array.from({ length: size.units }, (_, i) => ({ code: `U${String(i).padStart(3, '0')}`, name: `Unit ${i}`, parent: i === 0 ? null : 'U000' }));
  const badges = Array.from({ length: size.officers }, (_, i) => `B${String(i + 1).padStart(5, '0')}`);
  syncRoster(ctx, {
    units,
    officers: badges.map((badge, i) => ({ badge, name: `Officer ${i + 1}`, osUser: null, roles: i % 50 === 0 ? ['officer', 'custodian'] : ['officer'], unit: units[i % size.units]!.code })),
    devices: [],
  });
  const db = ctx.db;
  let sessions = 0;
  let gaps = 0;
  db.transaction(() => {
    const now = iso(BENCH_START + span);
    const insDevice = stmt(db, `INSERT INTO devices (serial, profile, model, first_seen, last_seen, assigned) VALUES (?, 'generic', 'DSJ-V9', ?, ?, 1)`);
    const insLedger = stmt(db, `INSERT INTO ledger_devices (serial, model, unit_code, purchase_date, price_cents, status, source, registered_at, registered_by)
      VALUES (?, 'DSJ-V9', ?, '2025-06-01', 128000, 'inService', 'cli', ?, 'bench')`);
    const insHandover = stmt(db, `INSERT INTO handovers (serial, badge, at_ms, by_actor, source, entered_at, note) VALUES (?, ?, ?, 'bench', 'cli', ?, NULL)`);
    const insSession = stmt(db, `INSERT INTO dock_sessions (device_id, profile, source_path, badge, started_at, ended_at, status, files)
      VALUES (?, 'generic', '/dock', ?, ?, ?, 'complete', ?)`);
    const insObject = stmt(db, 'INSERT INTO objects (sha256, size, stored_at) VALUES (?, ?, ?)');
    const insRec = stmt(db, `INSERT INTO recordings (session_id, device_id, device_serial, badge, source_path, size, mtime_ms, sha256,
      recorded_start, recorded_end, duration_s, start_source, media_kind, ingested_at, clock_offset_s, corrected_start, corrected_end)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'filename', 'video', ?, ?, ?, ?)`);
    const insEvent = stmt(db, `INSERT INTO device_events (serial, at, kind, from_status, to_status, by_actor, note) VALUES (?, ?, ?, ?, ?, 'bench', ?)`);
    const insGap = stmt(db, `INSERT INTO gaps (device_serial, badge, before_recording, after_recording, gap_start, gap_end, gap_seconds, status, detected_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const insAlert = stmt(db, `INSERT INTO alerts (at, kind, severity, device_serial, session_id, message, subject, last_seen, count) VALUES (?, ?, 'warning', ?, ?, ?, ?, ?, 1)`);

    const perCamera = Math.floor(size.recordings / size.cameras);
    const handoversPer = Math.floor(size.handovers / size.cameras);
    let recNo = 0;
    for (let c = 0; c < size.cameras; c++) {
      const serial = `C${String(c).padStart(6, '0')}`;
      const deviceId = Number(insDevice.run(serial, now, now).lastInsertRowid);
      insLedger.run(serial, units[c % size.units]!.code, now);
      // Handovers: assign / return alternately at sorted random times; the camera is held ~3/4 of the year.
      const times = Array.from({ length: handoversPer }, () => BENCH_START + Math.floor(rand() * span)).sort((a, b) => a - b);
      const history: { at: number; badge: string | null }[] = [];
      times.forEach((t, i) => { const badge = i % 2 === 0 ? pick(badges) : null; history.push({ at: t, badge }); insHandover.run(serial, badge, t, now); });
      const holderAt = (t: number) => { let b: string | null = null; for (const h of history) { if (h.at > t) break; b = h.badge; } return b; };
      // Recordings at sorted random times, docked every ~2 days.
      const starts = Array.from({ length: perCamera }, () => BENCH_START + Math.floor(rand() * span)).sort((a, b) => a - b);
      let i = 0;
      for (let dock = BENCH_START + 2 * 86_400_000; i < starts.length; dock += Math.floor(86_400_000 * (1 + 2 * rand()))) {
        const batch: number[] = [];
        while (i < starts.length && starts[i]! + 1_200_000 < dock) batch.push(starts[i++]!);
        if (batch.length === 0) continue;
        const session = Number(insSession.run(deviceId, holderAt(dock), iso(dock), iso(dock + 60_000), batch.length).lastInsertRowid);
        sessions++;
        let prev: { id: number; end: number } | null = null;
        for (const start of batch) {
          const dur = 60 + Math.floor(rand() * 1140);
          const offset = rand() < 0.1 ? 30 : null;
          const raw = start + (offset ?? 0) * 1000;
          const holder = holderAt(start);
          const r = rand();
          const badge = r < 0.6 ? null : r < 0.98 ? holder : pick(badges);
          const sha = (++recNo).toString(16).padStart(64, '0');
          const bytes = 20_000_000 + Math.floor(rand() * 200_000_000);
          insObject.run(sha, bytes, iso(dock));
          const id = Number(insRec.run(session, deviceId, serial, badge, `DCIM/${recNo}.MP4`, bytes, raw, sha, iso(raw), iso(raw + dur * 1000), dur,
            iso(dock + 30_000), offset, offset === null ? null : iso(start), offset === null ? null : iso(start + dur * 1000)).lastInsertRowid);
          if (prev && rand() < 0.01 && start - prev.end > 5000 && start - prev.end < 1_800_000) {
            insGap.run(serial, badge, prev.id, id, iso(prev.end), iso(start), (start - prev.end) / 1000, pick(['open', 'explained', 'approved', 'rejected']), iso(dock));
            gaps++;
          }
          prev = { id, end: start + dur * 1000 };
        }
        if (rand() < 0.02) insAlert.run(iso(dock), 'late-upload', serial, session, `bench alert ${session}`, `session:${session}`, iso(dock));
      }
      // Two fault/repair cycles a camera.
      for (let k = 0; k < 2; k++) {
        const t = BENCH_START + Math.floor(rand() * span);
        insEvent.run(serial, iso(t), 'fault', 'inService', 'faulty', 'screen flickers');
        insEvent.run(serial, iso(t + 86_400_000), 'repair-sent', 'faulty', 'inRepair', null);
        insEvent.run(serial, iso(t + 5 * 86_400_000), 'repair-back', 'inRepair', 'inService', null);
      }
    }
  })();
  return { sessions, gaps };
}
