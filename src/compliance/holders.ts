// Who holds which camera, behind one function: the equipment ledger's current holder (the latest
// handover; the YAML roster's badge seeds it) and each camera's last dock.
import type { Custody } from '../custody/index.js';
import type { Holding } from './rules.js';

export function currentHoldings(custody: Custody): Holding[] {
  const last = new Map(custody.compliance.lastDocks().map((d) => [d.serial, d.lastDock]));
  return custody.ledger.listLedgerDevices()
    .filter((d): d is typeof d & { holder: string } => d.holder !== null)
    .map((d) => ({ serial: d.serial, badge: d.holder, since: d.holderSinceMs === null ? null : new Date(d.holderSinceMs).toISOString(), lastDock: last.get(d.serial) ?? null }));
}
