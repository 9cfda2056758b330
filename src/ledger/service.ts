// The custodian's ledger commands (issue 10) on custody: register a camera, hand it over, take
// it back, and move it through its lifecycle. Each refusal names why (and, for the lifecycle, the
// allowed steps); each change is audited by custody in the same transaction as the check.
import type { Custody, DeviceEventRow, HandoverRow, LedgerDeviceRow } from '../custody/index.js';
import { checkHandover, endsHolding, parseDate, parsePrice, transition, type DeviceStatus, type LifecycleAction } from './rules.js';

/** A refused ledger command: bad input or an illegal step (exit 2). */
export class LedgerError extends Error {
  readonly exitCode = 2;
  constructor(message: string) { super(message); this.name = 'LedgerError'; }
}

const refuse = (why: string): never => { throw new LedgerError(why); };

function activeOfficer(custody: Custody, badge: string, what: string): void {
  const o = custody.getRoster().officers.find((x) => x.badge === badge);
  if (!o || !o.active) refuse(`${what} ${badge} is not an active officer in the roster`);
}

function known(d: LedgerDeviceRow | undefined, serial: string): LedgerDeviceRow {
  return d ?? refuse(`camera ${serial} is not in the ledger (\`evidock device add ${serial} --model M\`)`);
}

export interface AddDevice { serial: string; model: string; unit?: string | undefined; price?: string | undefined; purchased?: string | undefined }

export function addDevice(custody: Custody, a: AddDevice): LedgerDeviceRow {
  if (!/^[0-9A-Za-z]{7}$/.test(a.serial)) refuse(`device add: ${a.serial}: a device serial is 7 letters or digits`);
  if (!a.model.trim()) refuse('device add: --model must not be empty');
  if (a.unit !== undefined && !custody.getRoster().units.some((u) => u.code === a.unit && u.active)) refuse(`device add: --unit ${a.unit} is not a unit of the roster`);
  let priceCents: number | null = null;
  if (a.price !== undefined) { const p = parsePrice(a.price); priceCents = p.ok ? p.value : refuse(`device add: --price: ${p.why}`); }
  let purchaseDate: string | null = null;
  if (a.purchased !== undefined) { const p = parseDate(a.purchased); purchaseDate = p.ok ? p.value : refuse(`device add: --purchased: ${p.why}`); }
  return custody.ledger.registerDevice({ serial: a.serial, model: a.model.trim(), unit: a.unit ?? null, purchaseDate, priceCents }, (old) => {
    if (old) refuse(`device add: camera ${a.serial} is already in the ledger (${old.status}, registered ${old.registeredAt} by ${old.registeredBy})`);
  });
}

/** `--at TIME` (ISO-8601) or now. */
export function atOf(text: string | undefined, now: Date): number {
  if (text === undefined) return now.getTime();
  const t = Date.parse(text);
  return Number.isNaN(t) ? refuse(`--at: not a time: ${text} (ISO-8601, e.g. 2026-11-30T08:00+08:00)`) : t;
}

export function assign(custody: Custody, serial: string, badge: string, at: string | undefined, now = new Date(), note?: string): HandoverRow {
  activeOfficer(custody, badge, '--to');
  const atMs = atOf(at, now);
  return custody.ledger.handover(serial, (d, history) => {
    const dev = known(d, serial);
    const r = checkHandover(history.map((h) => ({ id: h.id, badge: h.badge, atMs: h.atMs })), { serial, kind: 'assign', badge, atMs, nowMs: now.getTime(), status: dev.status as DeviceStatus });
    return r.ok ? { badge, atMs, note: note ?? null } : refuse(`device assign: ${r.why}`);
  });
}

export function giveBack(custody: Custody, serial: string, at: string | undefined, now = new Date(), note?: string): HandoverRow {
  const atMs = atOf(at, now);
  return custody.ledger.handover(serial, (d, history) => {
    const dev = known(d, serial);
    const r = checkHandover(history.map((h) => ({ id: h.id, badge: h.badge, atMs: h.atMs })), { serial, kind: 'return', atMs, nowMs: now.getTime(), status: dev.status as DeviceStatus });
    return r.ok ? { badge: null, atMs, note: note ?? null } : refuse(`device return: ${r.why}`);
  });
}

const EVENT_KIND: Record<LifecycleAction, string> = {
  'fault': 'fault', 'repair-sent': 'repair-sent', 'repair-back': 'repair-back', 'lost': 'lost', 'damaged': 'damaged', 'retire': 'retired',
};

/**
 * A lifecycle step. A fault needs a note (what is wrong: art. 16); a loss or damage names the
 * liable officer and is charged at the original price (art. 17; null when the ledger has no price).
 */
export function lifecycle(custody: Custody, serial: string, action: LifecycleAction, o: { note?: string | undefined; liable?: string | undefined } = {}): DeviceEventRow {
  if (action === 'fault' && !o.note?.trim()) refuse('device fault: --note TEXT says what is wrong (art. 16)');
  const liable = action === 'lost' || action === 'damaged';
  if (liable) {
    if (!o.liable) refuse(`device ${action}: --liable BADGE names who answers for it (art. 17)`);
    activeOfficer(custody, o.liable!, '--liable');
  } else if (o.liable !== undefined) refuse(`device ${action}: --liable is only for lost or damaged`);
  return custody.ledger.lifecycle(serial, (d) => {
    const dev = known(d, serial);
    const t = transition(serial, dev.status as DeviceStatus, action);
    if (!t.ok) refuse(t.why);
    return {
      kind: EVENT_KIND[action], to: (t as { value: DeviceStatus }).value, note: o.note?.trim() || null, liable: liable ? o.liable! : null,
      amountCents: liable ? dev.priceCents : null, endHolding: endsHolding(action),
    };
  });
}
