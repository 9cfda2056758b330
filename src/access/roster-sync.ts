// The YAML roster as custody stores it: the station's unit plus `units`, officers (unit defaults to
// the station's), roster devices. Used at daemon start and by `evidock config apply`.
import type { Config } from '../config/schema.js';
import type { Custody, RosterChange, RosterInput } from '../custody/index.js';
import type { Logger } from '../util/logger.js';

export function rosterFromConfig(config: Pick<Config, 'unit' | 'units' | 'officers' | 'devices'>): RosterInput {
  const units = [{ code: config.unit.code, name: config.unit.name, parent: null as string | null }];
  for (const u of config.units) if (u.code !== config.unit.code) units.push({ code: u.code, name: u.name, parent: u.parent ?? null });
  return {
    units,
    officers: config.officers.map((o) => ({ badge: o.badge, name: o.name, osUser: o.osUser ?? null, roles: o.roles, unit: o.unit ?? config.unit.code })),
    devices: config.devices.map((d) => ({ serial: d.serial, model: d.model ?? null, badge: d.badge ?? null })),
    ledger: config.devices.map((d) => ({
      serial: d.serial, model: d.model ?? null, unit: d.unit ?? null, purchaseDate: d.purchaseDate ?? null,
      priceCents: d.price === undefined ? null : Math.round(d.price * 100), badge: d.badge ?? null,
    })),
  };
}

export function syncRoster(custody: Custody, config: Pick<Config, 'unit' | 'units' | 'officers' | 'devices'>, logger?: Logger): RosterChange[] {
  const changes = custody.syncRoster(rosterFromConfig(config));
  if (changes.length) logger?.info(`roster: ${changes.map((c) => `${c.kind} ${c.key} ${c.change}`).join(', ')}`);
  return changes;
}
