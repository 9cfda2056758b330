// The roster in custody: units (with their parent), officers and roster devices, synced from the
// YAML. Nothing is deleted: an entry gone from the YAML becomes inactive; each change is audited.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import { syncRosterDevices, type RosterLedgerEntry } from './ledger.js';

export type RoleName = 'officer' | 'custodian' | 'head' | 'admin';

export interface UnitEntry { code: string; name: string; parent: string | null }
export interface OfficerEntry { badge: string; name: string; osUser: string | null; roles: RoleName[]; unit: string | null }
export interface RosterDeviceEntry { serial: string; model: string | null; badge: string | null }
export interface RosterInput {
  units: UnitEntry[]; officers: OfficerEntry[]; devices: RosterDeviceEntry[];
  /** The same devices as the equipment ledger takes them (unit, purchase date, price); default: from `devices`. */
  ledger?: RosterLedgerEntry[] | undefined;
}

export interface UnitRow extends UnitEntry { active: boolean }
export interface OfficerRow extends OfficerEntry { active: boolean }
export interface RosterDeviceRow extends RosterDeviceEntry { active: boolean }
export interface Roster { units: UnitRow[]; officers: OfficerRow[]; devices: RosterDeviceRow[] }

export interface RosterChange { kind: 'unit' | 'officer' | 'device'; key: string; change: 'added' | 'changed' | 'deactivated' }

export function getRoster(ctx: Ctx): Roster {
  const units = (stmt(ctx.db, 'SELECT code, name, parent_code, active FROM units ORDER BY code').all() as
    { code: string; name: string; parent_code: string | null; active: number }[])
    .map((u) => ({ code: u.code, name: u.name, parent: u.parent_code, active: u.active === 1 }));
  const officers = (stmt(ctx.db, 'SELECT badge, name, os_user, roles, unit_code, active FROM officers ORDER BY badge').all() as
    { badge: string; name: string; os_user: string | null; roles: string; unit_code: string | null; active: number }[])
    .map((o) => ({ badge: o.badge, name: o.name, osUser: o.os_user, roles: JSON.parse(o.roles) as RoleName[], unit: o.unit_code, active: o.active === 1 }));
  const devices = (stmt(ctx.db, 'SELECT serial, model, badge, active FROM roster_devices ORDER BY serial').all() as
    { serial: string; model: string | null; badge: string | null; active: number }[])
    .map((d) => ({ serial: d.serial, model: d.model, badge: d.badge, active: d.active === 1 }));
  return { units, officers, devices };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Brings the roster tables to `input` in one transaction; returns (and audits) each change. */
export function syncRoster(ctx: Ctx, input: RosterInput): RosterChange[] {
  return writeTx(ctx, () => {
    const before = getRoster(ctx);
    const changes: RosterChange[] = [];
    const note = (kind: RosterChange['kind'], key: string, change: RosterChange['change'], from: unknown, to: unknown) => {
      changes.push({ kind, key, change });
      audit(ctx, `roster.${kind}.${change === 'added' ? 'add' : change === 'changed' ? 'change' : 'deactivate'}`, { key, before: from ?? null, after: to ?? null });
    };

    // Units: rows first, parents after (a parent may come later in the list).
    const units = new Map(before.units.map((u) => [u.code, u]));
    for (const u of input.units) {
      const old = units.get(u.code);
      if (!old) stmt(ctx.db, 'INSERT INTO units (code, name, active) VALUES (?, ?, 1)').run(u.code, u.name);
    }
    for (const u of input.units) {
      const old = units.get(u.code);
      const now = { ...u, active: true };
      if (old && same({ ...old }, now)) continue;
      if (u.parent !== null && !input.units.some((x) => x.code === u.parent)) throw new Error(`roster: unit ${u.code} names parent ${u.parent}, which is not a unit`);
      stmt(ctx.db, 'UPDATE units SET name = ?, parent_code = ?, active = 1 WHERE code = ?').run(u.name, u.parent, u.code);
      note('unit', u.code, old ? 'changed' : 'added', old, now);
    }
    const unitCodes = new Set(input.units.map((u) => u.code));

    // Officers: a removed or re-mapped officer gives up its OS user first (os_user is unique).
    const officers = new Map(before.officers.map((o) => [o.badge, o]));
    const wanted = new Map(input.officers.map((o) => [o.badge, o]));
    for (const o of before.officers) {
      const w = wanted.get(o.badge);
      if (o.osUser !== null && (!w || w.osUser !== o.osUser)) stmt(ctx.db, 'UPDATE officers SET os_user = NULL WHERE badge = ?').run(o.badge);
    }
    for (const o of before.officers) {
      if (!wanted.has(o.badge) && o.active) {
        stmt(ctx.db, 'UPDATE officers SET active = 0 WHERE badge = ?').run(o.badge);
        note('officer', o.badge, 'deactivated', o, { ...o, osUser: null, active: false });
      }
    }
    for (const o of input.officers) {
      if (o.unit !== null && !unitCodes.has(o.unit)) throw new Error(`roster: officer ${o.badge} names unit ${o.unit}, which is not a unit`);
      const old = officers.get(o.badge);
      const now = { ...o, active: true };
      if (old && same(old, now)) continue;
      stmt(ctx.db, `INSERT INTO officers (badge, name, os_user, roles, unit_code, active) VALUES (@badge, @name, @osUser, @roles, @unit, 1)
        ON CONFLICT (badge) DO UPDATE SET name = excluded.name, os_user = excluded.os_user, roles = excluded.roles,
        unit_code = excluded.unit_code, active = 1`).run({ ...o, roles: JSON.stringify(o.roles) });
      note('officer', o.badge, old ? 'changed' : 'added', old, now);
    }

    // Units gone from the YAML: inactive once nobody active points at them.
    for (const u of before.units) {
      if (!unitCodes.has(u.code) && u.active) {
        stmt(ctx.db, 'UPDATE units SET active = 0 WHERE code = ?').run(u.code);
        note('unit', u.code, 'deactivated', u, { ...u, active: false });
      }
    }

    const devices = new Map(before.devices.map((d) => [d.serial, d]));
    const wantedDevices = new Set(input.devices.map((d) => d.serial));
    for (const d of input.devices) {
      const old = devices.get(d.serial);
      const now = { ...d, active: true };
      if (old && same(old, now)) continue;
      stmt(ctx.db, `INSERT INTO roster_devices (serial, model, badge, active) VALUES (@serial, @model, @badge, 1)
        ON CONFLICT (serial) DO UPDATE SET model = excluded.model, badge = excluded.badge, active = 1`).run(d);
      note('device', d.serial, old ? 'changed' : 'added', old, now);
    }
    for (const d of before.devices) {
      if (!wantedDevices.has(d.serial) && d.active) {
        stmt(ctx.db, 'UPDATE roster_devices SET active = 0 WHERE serial = ?').run(d.serial);
        note('device', d.serial, 'deactivated', d, { ...d, active: false });
      }
    }
    // The equipment ledger keeps every device ever listed (a camera gone from the YAML is retired by a custodian, not deleted).
    const ledger = input.ledger ?? input.devices.map((d) => ({ serial: d.serial, model: d.model, unit: null, purchaseDate: null, priceCents: null, badge: d.badge }));
    for (const d of ledger) if (d.unit !== null && !unitCodes.has(d.unit)) throw new Error(`roster: device ${d.serial} names unit ${d.unit}, which is not a unit`);
    syncRosterDevices(ctx, ledger);
    return changes;
  });
}
