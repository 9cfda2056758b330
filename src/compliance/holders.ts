// Who holds which camera, behind one function: the roster's assignment (YAML devices[].badge) and
// each camera's last dock. When the equipment ledger (handovers) lands, its current holders and
// handover times replace the roster here — nothing else changes.
import type { Custody } from '../custody/index.js';
import type { Holding } from './rules.js';

export function currentHoldings(custody: Custody): Holding[] {
  const last = new Map(custody.compliance.lastDocks().map((d) => [d.serial, d.lastDock]));
  return custody.compliance.rosterHolders()
    .filter((h): h is { serial: string; badge: string } => h.badge !== null)
    .map((h) => ({ serial: h.serial, badge: h.badge, since: null, lastDock: last.get(h.serial) ?? null }));
}
