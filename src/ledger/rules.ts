// Pure rules of the equipment ledger (台账, art. 5, 6, 8, 16–18): the lifecycle of a camera, who
// held it at a moment, whether a handover may be recorded, what counts as lending, the liability
// at the original price. No I/O; the SQL in src/custody/migration-ledger.ts applies the same
// attribution (latest handover at or before the clock-corrected start; a tie goes to the later entry).
import { correctedStartMs, type TimedRecording } from '../compliance/rules.js';

export const STATUSES = ['inService', 'faulty', 'inRepair', 'lost', 'damaged', 'retired'] as const;
export type DeviceStatus = (typeof STATUSES)[number];

export type LifecycleAction = 'fault' | 'repair-sent' | 'repair-back' | 'lost' | 'damaged' | 'retire';

/** Each lifecycle command: the statuses it may start from and where it leads. */
export const LIFECYCLE: Readonly<Record<LifecycleAction, { from: readonly DeviceStatus[]; to: DeviceStatus; command: string }>> = {
  'fault': { from: ['inService'], to: 'faulty', command: 'device fault' },
  'repair-sent': { from: ['faulty', 'damaged'], to: 'inRepair', command: 'device repair --sent' },
  'repair-back': { from: ['inRepair'], to: 'inService', command: 'device repair --back' },
  'lost': { from: ['inService', 'faulty', 'inRepair', 'damaged'], to: 'lost', command: 'device lost' },
  'damaged': { from: ['inService', 'faulty'], to: 'damaged', command: 'device damaged' },
  'retire': { from: ['inService', 'faulty', 'inRepair', 'damaged', 'lost'], to: 'retired', command: 'device retire' },
};

/** What may be done to a camera in this status (the commands, for the refusal message). */
export function allowedFrom(status: DeviceStatus): string[] {
  return (Object.keys(LIFECYCLE) as LifecycleAction[]).filter((a) => LIFECYCLE[a].from.includes(status)).map((a) => LIFECYCLE[a].command);
}

export type Decision<T> = { ok: true; value: T } | { ok: false; why: string };

export function transition(serial: string, status: DeviceStatus, action: LifecycleAction): Decision<DeviceStatus> {
  const step = LIFECYCLE[action];
  if (step.from.includes(status)) return { ok: true, value: step.to };
  const allowed = allowedFrom(status);
  return { ok: false, why: `camera ${serial} is ${status}: \`${step.command}\` needs ${step.from.join(' or ')}; `
    + (allowed.length ? `allowed now: ${allowed.map((c) => `\`${c}\``).join(', ')}` : 'nothing more may be done to it') };
}

/** Whether the lifecycle step ends the current holding (the camera leaves the officer's hands). */
export function endsHolding(action: LifecycleAction): boolean {
  return action === 'repair-sent' || action === 'lost' || action === 'retire';
}

export interface Handover { id: number; badge: string | null; atMs: number }

/** The holder at `tMs`: the latest handover at or before it (a tie: the later entry); null: none. */
export function holderAt(history: readonly Handover[], tMs: number): string | null {
  let best: Handover | undefined;
  for (const h of history) {
    if (h.atMs > tMs) continue;
    if (!best || h.atMs > best.atMs || (h.atMs === best.atMs && h.id > best.id)) best = h;
  }
  return best?.badge ?? null;
}

/** Who a recording is attributed to: the holder at its clock-corrected start. */
export function attribute(history: readonly Handover[], r: TimedRecording): string | null {
  return holderAt(history, correctedStartMs(r));
}

/** A handover entered now may not reach into the future beyond this (clocks of two machines). */
export const FUTURE_TOLERANCE_MS = 60_000;

export interface HandoverRequest { serial: string; kind: 'assign' | 'return'; badge?: string | undefined; atMs: number; nowMs: number; status: DeviceStatus }

/**
 * One holder at a time, history only appended: an assignment needs a camera in service without a
 * holder, a return needs a holder; neither may be dated before the latest handover nor in the future.
 */
export function checkHandover(history: readonly Handover[], req: HandoverRequest): Decision<{ badge: string | null }> {
  const last = history.reduce<Handover | undefined>((b, h) => (!b || h.atMs > b.atMs || (h.atMs === b.atMs && h.id > b.id) ? h : b), undefined);
  const current = last?.badge ?? null;
  const iso = (t: number) => new Date(t).toISOString();
  if (req.atMs > req.nowMs + FUTURE_TOLERANCE_MS) return { ok: false, why: `--at ${iso(req.atMs)} is in the future` };
  if (last && last.atMs > req.atMs) {
    return { ok: false, why: `camera ${req.serial} has a handover at ${iso(last.atMs)}, after --at ${iso(req.atMs)}: the history is only appended` };
  }
  if (req.kind === 'return') {
    if (current === null) return { ok: false, why: `camera ${req.serial} has no holder to return it` };
    return { ok: true, value: { badge: null } };
  }
  if (!req.badge) return { ok: false, why: 'assign needs --to BADGE' };
  if (req.status !== 'inService') return { ok: false, why: `camera ${req.serial} is ${req.status}: only a camera in service is handed out` };
  if (current === req.badge) return { ok: false, why: `camera ${req.serial} is already held by ${current}` };
  if (current !== null) return { ok: false, why: `camera ${req.serial} is held by ${current}: \`device return ${req.serial}\` first (one holder at a time)` };
  return { ok: true, value: { badge: req.badge } };
}

export type LendingKind = 'no-holder' | 'badge-mismatch' | 'other-unit';

/**
 * art. 18(6) for one recording of a ledger camera. A recording with no holder at its time is lent
 * (or taken) without a handover. A reported badge that differs from the holder is lent — unless it
 * equals the holder at the dock: a camera that reports no badge of its own gets the holder at the
 * dock written beside its files, which is not the camera speaking.
 */
export function lendingOf(r: { inLedger: boolean; reported: string | null; holder: string | null; dockHolder: string | null }): LendingKind | null {
  if (!r.inLedger) return null;
  if (r.holder === null) return 'no-holder';
  if (r.reported !== null && r.reported !== r.holder && r.reported !== r.dockHolder) return 'badge-mismatch';
  return null;
}

/** A camera docked at a station of another unit: its unit is neither the station's nor below it. */
export function dockedAway(deviceUnit: string | null, stationUnit: string, parents: ReadonlyMap<string, string | null>): boolean {
  if (deviceUnit === null) return false;
  for (let u: string | null | undefined = deviceUnit, n = 0; u && n < 64; u = parents.get(u), n++) if (u === stationUnit) return false;
  return true;
}

/** A price in yuan ("1280", "1280.5", "1280.50") → fen; anything else is refused with the reason. */
export function parsePrice(text: string): Decision<number> {
  const m = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!m) return { ok: false, why: `not a price in yuan: ${text} (e.g. 1280 or 1280.50)` };
  return { ok: true, value: Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0')) };
}

export const yuan = (cents: number | null) => (cents === null ? null : cents / 100);

/** A purchase date is a calendar date. */
export function parseDate(text: string): Decision<string> {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return { ok: false, why: `not a date: ${text} (YYYY-MM-DD)` };
  const d = new Date(`${text}T00:00:00Z`);
  if (Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text) return { ok: false, why: `not a date: ${text}` };
  return { ok: true, value: text };
}
