// The equipment ledger in custody (台账): devices, handovers, lifecycle events, and the SQL
// aggregates the custodian's reports are built from. Every change is audited in the same
// transaction; the caller's rule check (src/ledger/rules.ts) runs inside that transaction, on the
// rows it reads, so two custodians cannot both hand out one camera.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import { REBUILD_DAILY } from './migration-ledger.js';

export type LedgerStatus = 'inService' | 'faulty' | 'inRepair' | 'lost' | 'damaged' | 'retired';

export interface LedgerDeviceEntry {
  serial: string; model: string | null; unit: string | null; purchaseDate: string | null; priceCents: number | null;
}
export interface LedgerDeviceRow extends LedgerDeviceEntry {
  status: LedgerStatus; source: 'roster' | 'cli'; registeredAt: string; registeredBy: string;
  /** current holder (null: none) and since when (null: since the roster named them) */
  holder: string | null; holderSinceMs: number | null;
}
export interface HandoverRow { id: number; serial: string; badge: string | null; atMs: number; by: string; source: 'roster' | 'cli'; enteredAt: string; note: string | null }
export interface DeviceEventRow {
  id: number; serial: string; at: string; kind: string; fromStatus: string | null; toStatus: string; by: string;
  note: string | null; liable: string | null; amountCents: number | null;
}

const DEVICE = `SELECT d.serial, d.model, d.unit_code AS unit, d.purchase_date AS purchaseDate, d.price_cents AS priceCents, d.status, d.source,
  d.registered_at AS registeredAt, d.registered_by AS registeredBy,
  (SELECT h.badge FROM handovers h WHERE h.serial = d.serial ORDER BY h.at_ms DESC, h.id DESC LIMIT 1) AS holder,
  (SELECT CASE WHEN h.badge IS NULL OR h.source = 'roster' AND h.at_ms = 0 THEN NULL ELSE h.at_ms END
     FROM handovers h WHERE h.serial = d.serial ORDER BY h.at_ms DESC, h.id DESC LIMIT 1) AS holderSinceMs
  FROM ledger_devices d`;

export function getLedgerDevice(ctx: Ctx, serial: string): LedgerDeviceRow | undefined {
  return stmt(ctx.db, `${DEVICE} WHERE d.serial = ?`).get(serial) as LedgerDeviceRow | undefined;
}

export function listLedgerDevices(ctx: Ctx, status?: string): LedgerDeviceRow[] {
  return stmt(ctx.db, `${DEVICE} WHERE (@status IS NULL OR d.status = @status) ORDER BY d.serial`).all({ status: status ?? null }) as LedgerDeviceRow[];
}

const HANDOVER = `SELECT id, serial, badge, at_ms AS atMs, by_actor AS by, source, entered_at AS enteredAt, note FROM handovers`;
const HANDOVER_LITE = 'SELECT id, serial, badge, at_ms AS atMs, source FROM handovers';

export function handoversOf(ctx: Ctx, serial: string): HandoverRow[] {
  return stmt(ctx.db, `${HANDOVER} WHERE serial = ? ORDER BY at_ms, id`).all(serial) as HandoverRow[];
}

/** Every handover, by camera and time, with what the reports need of it (they group them). */
export function allHandovers(ctx: Ctx): Pick<HandoverRow, 'id' | 'serial' | 'badge' | 'atMs' | 'source'>[] {
  return stmt(ctx.db, `${HANDOVER_LITE} ORDER BY serial, at_ms, id`).all() as Pick<HandoverRow, 'id' | 'serial' | 'badge' | 'atMs' | 'source'>[];
}

/** The badge each of these dock sessions was docked under. */
export function sessionBadges(ctx: Ctx, ids: readonly number[]): Map<number, string | null> {
  const rows = stmt(ctx.db, 'SELECT id, badge FROM dock_sessions WHERE id IN (SELECT value FROM json_each(?))').all(JSON.stringify(ids)) as { id: number; badge: string | null }[];
  return new Map(rows.map((r) => [r.id, r.badge]));
}

const EVENT = `SELECT id, serial, at, kind, from_status AS fromStatus, to_status AS toStatus, by_actor AS by, note, liable, amount_cents AS amountCents FROM device_events`;

export function deviceEvents(ctx: Ctx, range: { from?: string | null; to?: string | null; serial?: string | null } = {}): DeviceEventRow[] {
  return stmt(ctx.db, `${EVENT} WHERE (@from IS NULL OR at >= @from) AND (@to IS NULL OR at < @to) AND (@serial IS NULL OR serial = @serial) ORDER BY at, id`)
    .all({ from: range.from ?? null, to: range.to ?? null, serial: range.serial ?? null }) as DeviceEventRow[];
}

function insertDevice(ctx: Ctx, d: LedgerDeviceEntry, source: 'roster' | 'cli'): void {
  const now = ctx.now();
  stmt(ctx.db, `INSERT INTO ledger_devices (serial, model, unit_code, purchase_date, price_cents, status, source, registered_at, registered_by)
    VALUES (?, ?, ?, ?, ?, 'inService', ?, ?, ?)`).run(d.serial, d.model, d.unit, d.purchaseDate, d.priceCents, source, now, ctx.actor);
  stmt(ctx.db, `INSERT INTO device_events (serial, at, kind, from_status, to_status, by_actor, note) VALUES (?, ?, 'registered', NULL, 'inService', ?, ?)`)
    .run(d.serial, now, ctx.actor, source === 'roster' ? 'from the YAML roster' : null);
  audit(ctx, 'device.ledger.register', { ...d, source });
}

/** `device add`: refuses a serial already in the ledger (the check runs in the transaction). */
export function registerDevice(ctx: Ctx, d: LedgerDeviceEntry, check: (existing: LedgerDeviceRow | undefined) => void): LedgerDeviceRow {
  return writeTx(ctx, () => {
    check(getLedgerDevice(ctx, d.serial));
    insertDevice(ctx, d, 'cli');
    return getLedgerDevice(ctx, d.serial)!;
  });
}

export interface RosterLedgerEntry extends LedgerDeviceEntry { badge: string | null }

/**
 * The YAML roster's devices: new ones registered, their model/unit/purchase/price kept as the YAML
 * says (each change audited). The YAML's badge seeds the holder of a camera with no handover (held
 * since before any recorded time); a later change of that badge is a dated handover while the
 * ledger holds only the roster's — once a custodian hands the camera over, the ledger decides.
 */
export function syncRosterDevices(ctx: Ctx, entries: readonly RosterLedgerEntry[]): void {
  writeTx(ctx, () => {
    for (const e of entries) {
      const { badge, ...d } = e;
      const old = getLedgerDevice(ctx, d.serial);
      if (!old) insertDevice(ctx, d, 'roster');
      else {
        const was = { model: old.model, unit: old.unit, purchaseDate: old.purchaseDate, priceCents: old.priceCents };
        const now = { model: d.model ?? old.model, unit: d.unit ?? old.unit, purchaseDate: d.purchaseDate ?? old.purchaseDate, priceCents: d.priceCents ?? old.priceCents };
        if (JSON.stringify(was) !== JSON.stringify(now)) {
          stmt(ctx.db, 'UPDATE ledger_devices SET model = ?, unit_code = ?, purchase_date = ?, price_cents = ? WHERE serial = ?')
            .run(now.model, now.unit, now.purchaseDate, now.priceCents, d.serial);
          audit(ctx, 'device.ledger.update', { serial: d.serial, before: was, after: now, source: 'roster' });
        }
      }
      if (badge === null) continue;
      const history = handoversOf(ctx, d.serial);
      const rosterOnly = history.every((h) => h.source === 'roster');
      const current = history.at(-1)?.badge ?? null;
      if (!rosterOnly || current === badge) continue;
      const atMs = history.length === 0 ? 0 : Date.parse(ctx.now());
      addHandoverRow(ctx, { serial: d.serial, badge, atMs, source: 'roster', note: 'the YAML roster names this holder' });
    }
  });
}

function addHandoverRow(ctx: Ctx, h: { serial: string; badge: string | null; atMs: number; source: 'roster' | 'cli'; note: string | null }): HandoverRow {
  const info = stmt(ctx.db, 'INSERT INTO handovers (serial, badge, at_ms, by_actor, source, entered_at, note) VALUES (?, ?, ?, ?, ?, ?, ?)')
    .run(h.serial, h.badge, h.atMs, ctx.actor, h.source, ctx.now(), h.note);
  const row = stmt(ctx.db, `${HANDOVER} WHERE id = ?`).get(Number(info.lastInsertRowid)) as HandoverRow;
  audit(ctx, h.badge === null ? 'device.return' : 'device.assign', {
    serial: h.serial, badge: h.badge, at: new Date(h.atMs).toISOString(), source: h.source, note: h.note, handoverId: row.id,
  });
  return row;
}

/** Appends a handover after `decide` approved it against the camera's row and history (read in this transaction). */
export function handover(ctx: Ctx, serial: string, decide: (device: LedgerDeviceRow | undefined, history: HandoverRow[]) => { badge: string | null; atMs: number; note: string | null }): HandoverRow {
  return writeTx(ctx, () => {
    const h = decide(getLedgerDevice(ctx, serial), handoversOf(ctx, serial));
    return addHandoverRow(ctx, { serial, ...h, source: 'cli' });
  });
}

export interface LifecycleChange { kind: string; to: LedgerStatus; note: string | null; liable: string | null; amountCents: number | null; endHolding: boolean }

/** A lifecycle step (fault, repair, loss, damage, retirement) after `decide` approved it; audited as device.<kind>. */
export function lifecycle(ctx: Ctx, serial: string, decide: (device: LedgerDeviceRow | undefined) => LifecycleChange): DeviceEventRow {
  return writeTx(ctx, () => {
    const d = getLedgerDevice(ctx, serial);
    const c = decide(d);
    const now = ctx.now();
    const info = stmt(ctx.db, `INSERT INTO device_events (serial, at, kind, from_status, to_status, by_actor, note, liable, amount_cents)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(serial, now, c.kind, d?.status ?? null, c.to, ctx.actor, c.note, c.liable, c.amountCents);
    stmt(ctx.db, 'UPDATE ledger_devices SET status = ? WHERE serial = ?').run(c.to, serial);
    const ev = stmt(ctx.db, `${EVENT} WHERE id = ?`).get(Number(info.lastInsertRowid)) as DeviceEventRow;
    audit(ctx, `device.${c.kind}`, { serial, eventId: ev.id, from: d?.status ?? null, to: c.to, note: c.note, liable: c.liable, amountCents: c.amountCents });
    if (c.endHolding && d?.holder) addHandoverRow(ctx, { serial, badge: null, atMs: Date.parse(now), source: 'cli', note: `ends with ${c.kind}` });
    return ev;
  });
}

// ——— aggregates for the reports (src/ledger/reports.ts, src/compliance/reports.ts) ———

export interface MsRange { fromMs: number | null; toMs: number | null }

const DAY = 86_400_000;

/**
 * The per-day rollup answers when the range is whole station days (or open) and its zone and
 * deadline are the ones asked for; it is rebuilt first when they are not (a changed timezone or
 * rules.uploadDeadlineHours: once). Other ranges are aggregated from the per-recording rows.
 */
function dailyDays(ctx: Ctx, r: MsRange, dayOffsetMs: number, deadlineMs: number): { fromDay: number | null; toDay: number | null } | null {
  const aligned = (t: number | null) => t === null || (t + dayOffsetMs) % DAY === 0;
  if (!aligned(r.fromMs) || !aligned(r.toMs)) return null;
  const deadline = Math.round(deadlineMs);
  const m = stmt(ctx.db, 'SELECT day_offset_ms AS off, deadline_ms AS deadline FROM ledger_meta WHERE id = 1').get() as { off: number; deadline: number };
  if (m.off !== dayOffsetMs || m.deadline !== deadline) {
    writeTx(ctx, () => {
      stmt(ctx.db, 'UPDATE ledger_meta SET day_offset_ms = ?, deadline_ms = ? WHERE id = 1').run(dayOffsetMs, deadline);
      ctx.db.exec(REBUILD_DAILY);
    });
  }
  const day = (t: number | null) => (t === null ? null : Math.floor((t + dayOffsetMs) / DAY));
  return { fromDay: day(r.fromMs), toDay: day(r.toMs) };
}

export interface DeviceAggregate { serial: string; files: number; bytes: number; seconds: number; noHolder: number; mismatch: number }

/** Per camera: files, bytes, recorded seconds, lending flags of its recordings with start in [from, to). */
export function deviceAggregates(ctx: Ctx, r: MsRange & { dayOffsetMs: number; deadlineMs: number }): DeviceAggregate[] {
  const days = dailyDays(ctx, r, r.dayOffsetMs, r.deadlineMs);
  if (days) {
    return stmt(ctx.db, `SELECT device_serial AS serial, total(files) AS files, total(bytes) AS bytes, total(ms) / 1000.0 AS seconds,
        total(no_holder) AS noHolder, total(mismatch) AS mismatch
      FROM recording_daily WHERE (@from IS NULL OR day >= @from) AND (@to IS NULL OR day < @to) GROUP BY device_serial ORDER BY device_serial`)
      .all({ from: days.fromDay, to: days.toDay }) as DeviceAggregate[];
  }
  return stmt(ctx.db, `SELECT device_serial AS serial, count(*) AS files, total(bytes) AS bytes, total(max(end_ms - start_ms, 0)) / 1000.0 AS seconds,
      total(in_ledger AND holder IS NULL) AS noHolder,
      total(in_ledger AND holder IS NOT NULL AND reported IS NOT NULL AND reported <> holder AND reported IS NOT dock_holder) AS mismatch
    FROM recording_ledger WHERE (@from IS NULL OR start_ms >= @from) AND (@to IS NULL OR start_ms < @to)
    GROUP BY device_serial ORDER BY device_serial`).all({ from: r.fromMs, to: r.toMs }) as DeviceAggregate[];
}

/** Per camera: dock sessions started in [from, to) and the last one. */
export function dockAggregates(ctx: Ctx, range: { from: string | null; to: string | null }): { serial: string; docks: number; lastDock: string | null }[] {
  return stmt(ctx.db, `SELECT d.serial, count(s.id) AS docks, max(s.started_at) AS lastDock FROM devices d
    JOIN dock_sessions s ON s.device_id = d.id AND (@from IS NULL OR s.started_at >= @from) AND (@to IS NULL OR s.started_at < @to)
    GROUP BY d.serial ORDER BY d.serial`).all({ from: range.from, to: range.to }) as { serial: string; docks: number; lastDock: string | null }[];
}

export interface OfficerAggregate {
  officer: string | null; recordings: number; late: number; worstDelayMs: number | null; seconds: number; docks: number; days: number;
}

/**
 * Per attributed officer (the holder; the reported badge for a camera not in the ledger): recordings,
 * late ones (ingest − corrected end above the deadline), worst delay, seconds, docks, days with a
 * recording in the station's zone (`dayOffsetMs` east of UTC).
 */
export function officerAggregates(ctx: Ctx, r: MsRange & { deadlineMs: number; dayOffsetMs: number }): OfficerAggregate[] {
  const days = dailyDays(ctx, r, r.dayOffsetMs, r.deadlineMs);
  if (days) {
    // Three walks in index order instead of two DISTINCT sorts: a dock session belongs to one camera,
    // so (officer, camera, session) groups count the officer's docks.
    const p = { from: days.fromDay, to: days.toDay };
    const range = '(@from IS NULL OR day >= @from) AND (@to IS NULL OR day < @to)';
    const sums = stmt(ctx.db, `SELECT officer, total(files) AS recordings, total(late) AS late,
        max(CASE WHEN late > 0 THEN max_delay END) AS worstDelayMs, total(ms) / 1000.0 AS seconds
      FROM recording_daily WHERE ${range} GROUP BY officer ORDER BY officer`).all(p) as (OfficerAggregate & { officer: string })[];
    const docks = new Map((stmt(ctx.db, `SELECT officer, count(*) AS n FROM (SELECT officer FROM recording_daily
      WHERE session_id <> 0 AND ${range} GROUP BY officer, device_serial, session_id) GROUP BY officer`).all(p) as { officer: string; n: number }[]).map((x) => [x.officer, x.n]));
    const dayCounts = new Map((stmt(ctx.db, `SELECT officer, count(*) AS n FROM (SELECT officer FROM recording_daily INDEXED BY recording_daily_officer_day
      WHERE ${range} GROUP BY officer, day) GROUP BY officer`).all(p) as { officer: string; n: number }[]).map((x) => [x.officer, x.n]));
    return sums.map((x) => ({ ...x, officer: x.officer === '' ? null : x.officer, docks: docks.get(x.officer) ?? 0, days: dayCounts.get(x.officer) ?? 0 }));
  }
  return stmt(ctx.db, `SELECT officer, count(*) AS recordings, total(ingest_ms - end_ms > @deadline) AS late,
      max(CASE WHEN ingest_ms - end_ms > @deadline THEN ingest_ms - end_ms END) AS worstDelayMs,
      total(max(end_ms - start_ms, 0)) / 1000.0 AS seconds, count(DISTINCT session_id) AS docks,
      count(DISTINCT CAST((start_ms + @off) / 86400000 AS INTEGER)) AS days
    FROM recording_ledger WHERE (@from IS NULL OR start_ms >= @from) AND (@to IS NULL OR start_ms < @to)
    GROUP BY officer ORDER BY officer`).all({ from: r.fromMs, to: r.toMs, deadline: r.deadlineMs, off: r.dayOffsetMs }) as OfficerAggregate[];
}

export interface OfficerDay { day: number; recordings: number; seconds: number; bytes: number; late: number; cameras: string }

/** One officer's recordings by station day (day number since the epoch in the station's zone). */
export function officerDays(ctx: Ctx, badge: string, r: MsRange & { deadlineMs: number; dayOffsetMs: number }): OfficerDay[] {
  return stmt(ctx.db, `SELECT CAST((start_ms + @off) / 86400000 AS INTEGER) AS day, count(*) AS recordings, total(max(end_ms - start_ms, 0)) / 1000.0 AS seconds,
      total(bytes) AS bytes, total(ingest_ms - end_ms > @deadline) AS late, group_concat(DISTINCT device_serial) AS cameras
    FROM recording_ledger WHERE officer = @badge AND (@from IS NULL OR start_ms >= @from) AND (@to IS NULL OR start_ms < @to)
    GROUP BY day ORDER BY day`).all({ badge, from: r.fromMs, to: r.toMs, deadline: r.deadlineMs, off: r.dayOffsetMs }) as OfficerDay[];
}

/** The attributed officer of each gap (that of the recording before it). */
export function gapOfficers(ctx: Ctx): Map<number, string | null> {
  const rows = stmt(ctx.db, 'SELECT g.id, rl.officer FROM gaps g LEFT JOIN recording_ledger rl ON rl.recording_id = g.before_recording').all() as { id: number; officer: string | null }[];
  return new Map(rows.map((x) => [x.id, x.officer]));
}

export interface LendingRecording { recordingId: number; device: string; reported: string | null; holder: string | null; dockHolder: string | null; startMs: number }

/** The recordings of one dock session that the lending rule looks at (ledger cameras only). */
export function sessionAttribution(ctx: Ctx, sessionId: number): LendingRecording[] {
  return stmt(ctx.db, `SELECT recording_id AS recordingId, device_serial AS device, reported, holder, dock_holder AS dockHolder, start_ms AS startMs
    FROM recording_ledger WHERE session_id = ? AND in_ledger = 1 ORDER BY start_ms, recording_id`).all(sessionId) as LendingRecording[];
}

/** Attribution of given recordings (tests, `recordings` views). */
export function attributionOf(ctx: Ctx, recordingId: number): { officer: string | null; holder: string | null; startMs: number } | undefined {
  return stmt(ctx.db, 'SELECT officer, holder, start_ms AS startMs FROM recording_ledger WHERE recording_id = ?').get(recordingId) as
    { officer: string | null; holder: string | null; startMs: number } | undefined;
}

/** Open alerts by kind and subject prefix, counted per camera (the ledger's lending column). */
export function lendingAlertsPerDevice(ctx: Ctx): Map<string, number> {
  const rows = stmt(ctx.db, "SELECT device_serial AS serial, count(*) AS n FROM alerts WHERE kind = 'lending' AND device_serial IS NOT NULL GROUP BY device_serial")
    .all() as { serial: string; n: number }[];
  return new Map(rows.map((r) => [r.serial, r.n]));
}
