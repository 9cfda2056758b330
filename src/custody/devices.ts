// Device registry: every camera ever docked, whether or not the roster knows it.
import { stmt } from './db.js';
import { audit, writeTx, type Ctx } from './context.js';
import type { DeviceInput, DeviceRow } from './types.js';

interface RawDevice {
  id: number;
  serial: string;
  profile: string;
  model: string | null;
  usb_serial: string | null;
  first_seen: string;
  last_seen: string;
  assigned: number;
}

function toDevice(r: RawDevice): DeviceRow {
  return {
    id: r.id, serial: r.serial, profile: r.profile, model: r.model, usbSerial: r.usb_serial,
    firstSeen: r.first_seen, lastSeen: r.last_seen, assigned: r.assigned === 1,
  };
}

export function getDevice(ctx: Ctx, serial: string): DeviceRow | undefined {
  const r = stmt(ctx.db, 'SELECT * FROM devices WHERE serial = ?').get(serial) as RawDevice | undefined;
  return r ? toDevice(r) : undefined;
}

export function requireDeviceId(ctx: Ctx, serial: string): number {
  const r = stmt(ctx.db, 'SELECT id FROM devices WHERE serial = ?').get(serial) as { id: number } | undefined;
  if (!r) throw new Error(`custody: unknown device ${serial}; upsertDevice it first`);
  return r.id;
}

export function listDevices(ctx: Ctx): DeviceRow[] {
  return (stmt(ctx.db, 'SELECT * FROM devices ORDER BY serial').all() as RawDevice[]).map(toDevice);
}

/** Records that a device was seen now; model/usbSerial only overwrite when given. */
export function upsertDevice(ctx: Ctx, input: DeviceInput): DeviceRow {
  if (!input.serial) throw new Error('custody: device serial is required');
  return writeTx(ctx, () => {
    const now = ctx.now();
    const before = getDevice(ctx, input.serial);
    stmt(ctx.db, `
      INSERT INTO devices (serial, profile, model, usb_serial, first_seen, last_seen, assigned)
      VALUES (@serial, @profile, @model, @usbSerial, @now, @now, @assigned)
      ON CONFLICT (serial) DO UPDATE SET
        profile = excluded.profile,
        model = COALESCE(excluded.model, devices.model),
        usb_serial = COALESCE(excluded.usb_serial, devices.usb_serial),
        last_seen = excluded.last_seen,
        assigned = excluded.assigned`).run({
      serial: input.serial, profile: input.profile, model: input.model ?? null,
      usbSerial: input.usbSerial ?? null, now, assigned: input.inRoster ? 1 : 0,
    });
    const row = getDevice(ctx, input.serial);
    if (!row) throw new Error('custody: device vanished after upsert');
    const facts = (d: DeviceRow) => ({ profile: d.profile, model: d.model, usbSerial: d.usbSerial, assigned: d.assigned });
    if (!before) {
      audit(ctx, 'device.registered', { deviceId: row.id, serial: row.serial, ...facts(row) });
    } else {
      // What the registry says about a camera is custody evidence too: audit every change but last_seen.
      const was = facts(before);
      const now2 = facts(row);
      const changed = (Object.keys(now2) as (keyof typeof now2)[]).filter((k) => was[k] !== now2[k]);
      if (changed.length > 0) {
        audit(ctx, 'device.updated', { deviceId: row.id, serial: row.serial, changed,
          before: Object.fromEntries(changed.map((k) => [k, was[k]])), after: Object.fromEntries(changed.map((k) => [k, now2[k]])) });
      }
    }
    return row;
  });
}
