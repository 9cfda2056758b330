// Dock sessions: one per docking of a camera, from identification to the end of ingest.
import { randomUUID } from 'node:crypto';
import { stmt, toIso } from './db.js';
import { audit, parseJson, writeTx, type Ctx } from './context.js';
import { requireDeviceId } from './devices.js';
import { processStartTime, sameProcessAlive } from '../util/proc.js';
import type { EndSessionInput, SessionChecks, SessionRow, SessionStatus, StartSessionInput } from './types.js';

// Distinguishes this process from an earlier one that had the same pid (e.g. pid 1 in a
// container restarted after a crash), so its sessions are still seen as abandoned.
const PROCESS_TOKEN = randomUUID();
// With the pid, names this process for the whole boot (another process may get our pid later).
const PROCESS_START = processStartTime(process.pid) ?? null;

interface RawSession {
  id: number;
  device_serial: string;
  profile: string;
  source_path: string;
  badge: string | null;
  started_at: string;
  ended_at: string | null;
  status: SessionStatus;
  owner_pid: number | null;
  owner_token: string | null;
  owner_start?: string | null;
  files: number;
  bytes: number;
  stored: number;
  duplicates: number;
  failed: number;
  errors: string | null;
  clock_offset_s: number | null;
  battery_pct: number | null;
  storage_used: number | null;
  storage_free: number | null;
  usb_serial: string | null;
  clock_source: string | null;
  camera_time: string | null;
  alerts: string | null;
}

const SELECT = 'SELECT s.*, d.serial AS device_serial FROM dock_sessions s JOIN devices d ON d.id = s.device_id';

function toSession(r: RawSession): SessionRow {
  return {
    id: r.id, deviceSerial: r.device_serial, profile: r.profile, sourcePath: r.source_path, badge: r.badge,
    startedAt: r.started_at, endedAt: r.ended_at, status: r.status, ownerPid: r.owner_pid,
    files: r.files, bytes: r.bytes, stored: r.stored, duplicates: r.duplicates, failed: r.failed,
    errors: parseJson<string[]>(r.errors, []),
    clockOffsetS: r.clock_offset_s, batteryPct: r.battery_pct, storageUsed: r.storage_used,
    storageFree: r.storage_free, usbSerial: r.usb_serial, clockSource: r.clock_source, cameraTime: r.camera_time,
    alerts: parseJson<unknown>(r.alerts, null),
  };
}

export function getSession(ctx: Ctx, id: number): SessionRow | undefined {
  const r = stmt(ctx.db, `${SELECT} WHERE s.id = ?`).get(id) as RawSession | undefined;
  return r ? toSession(r) : undefined;
}

export function listSessions(ctx: Ctx, opts: { running?: boolean | undefined; limit?: number | undefined } = {}): SessionRow[] {
  const where = opts.running === true ? "WHERE s.status = 'running'" : opts.running === false ? "WHERE s.status <> 'running'" : '';
  const rows = stmt(ctx.db, `${SELECT} ${where} ORDER BY s.id DESC LIMIT ?`).all(opts.limit ?? -1) as RawSession[];
  return rows.map(toSession);
}

export function startSession(ctx: Ctx, input: StartSessionInput): number {
  return writeTx(ctx, () => {
    const deviceId = requireDeviceId(ctx, input.deviceSerial);
    const info = stmt(ctx.db, `
      INSERT INTO dock_sessions (device_id, profile, source_path, badge, started_at, status, owner_pid, owner_token, owner_start, usb_serial)
      VALUES (?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)`).run(
      deviceId, input.profile, input.sourcePath, input.badge ?? null, ctx.now(), process.pid, PROCESS_TOKEN, PROCESS_START,
      input.usbSerial ?? null);
    const id = Number(info.lastInsertRowid);
    audit(ctx, 'dock.session.start', {
      sessionId: id, deviceSerial: input.deviceSerial, profile: input.profile, sourcePath: input.sourcePath,
      badge: input.badge ?? null, usbSerial: input.usbSerial ?? null, pid: process.pid,
    });
    return id;
  });
}

export function endSession(ctx: Ctx, id: number, input: EndSessionInput): void {
  if (!['complete', 'interrupted', 'failed'].includes(input.status)) throw new Error(`custody: invalid end status ${String(input.status)}`);
  writeTx(ctx, () => {
    const s = getSession(ctx, id);
    if (!s) throw new Error(`custody: no dock session ${id}`);
    if (s.status !== 'running') throw new Error(`custody: dock session ${id} already ended (${s.status})`);
    const errors = input.errors ?? [];
    stmt(ctx.db, `
      UPDATE dock_sessions SET status = ?, ended_at = ?, files = ?, bytes = ?, stored = ?, duplicates = ?, failed = ?, errors = ?
      WHERE id = ?`).run(input.status, ctx.now(), input.files, input.bytes, input.stored, input.duplicates, input.failed,
      JSON.stringify(errors), id);
    audit(ctx, 'dock.session.end', {
      sessionId: id, deviceSerial: s.deviceSerial, status: input.status, files: input.files, bytes: input.bytes,
      stored: input.stored, duplicates: input.duplicates, failed: input.failed, errors,
    });
  });
}

/** Stores dock-time check results (art. 10); only the fields given are written. */
export function recordSessionChecks(ctx: Ctx, id: number, checks: SessionChecks): void {
  writeTx(ctx, () => {
    const set: string[] = [];
    const values: unknown[] = [];
    const cols: [keyof SessionChecks, string][] = [
      ['clockOffsetS', 'clock_offset_s'], ['batteryPct', 'battery_pct'], ['storageUsed', 'storage_used'], ['storageFree', 'storage_free'],
    ];
    for (const [key, col] of cols) {
      if (checks[key] !== undefined) {
        set.push(`${col} = ?`);
        values.push(checks[key]);
      }
    }
    if (checks.clockSource !== undefined) {
      set.push('clock_source = ?');
      values.push(checks.clockSource);
    }
    if (checks.cameraTime !== undefined) {
      set.push('camera_time = ?');
      values.push(checks.cameraTime === null ? null : toIso(checks.cameraTime));
    }
    if (checks.alerts !== undefined) {
      set.push('alerts = ?');
      values.push(checks.alerts === null ? null : JSON.stringify(checks.alerts));
    }
    if (set.length === 0) return;
    const info = ctx.db.prepare(`UPDATE dock_sessions SET ${set.join(', ')} WHERE id = ?`).run(...values, id);
    if (info.changes !== 1) throw new Error(`custody: no dock session ${id}`);
    const cameraTime = checks.cameraTime == null ? checks.cameraTime : toIso(checks.cameraTime);
    audit(ctx, 'dock.session.checks', { sessionId: id, ...checks, ...(cameraTime === undefined ? {} : { cameraTime }) });
  });
}

function ownerAlive(pid: number | null, token: string | null, start: string | null | undefined): boolean {
  if (pid === null) return false;
  if (pid === process.pid) return token === PROCESS_TOKEN;
  // A live pid whose start time differs is another process that was given the dead owner's pid.
  return sameProcessAlive(pid, start);
}

/** Sessions left 'running' by a process that no longer exists become 'interrupted'. Returns their ids. */
export function markInterruptedSessions(ctx: Ctx): number[] {
  return writeTx(ctx, () => {
    const running = stmt(ctx.db, `${SELECT} WHERE s.status = 'running' ORDER BY s.id`).all() as RawSession[];
    const marked: number[] = [];
    for (const s of running) {
      if (ownerAlive(s.owner_pid, s.owner_token, s.owner_start)) continue;
      stmt(ctx.db, "UPDATE dock_sessions SET status = 'interrupted', ended_at = ? WHERE id = ?").run(ctx.now(), s.id);
      audit(ctx, 'dock.session.interrupted', {
        sessionId: s.id, deviceSerial: s.device_serial, ownerPid: s.owner_pid, ownerStart: s.owner_start ?? null,
      });
      marked.push(s.id);
    }
    return marked;
  });
}
