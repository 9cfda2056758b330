// The roster as the access rules need it, read from the YAML officers. (The people-and-proof work
// syncs the roster into custody; at that point this is the one place to switch over.)
import type { Config } from '../config/schema.js';
import type { Roster } from './types.js';

export function rosterFromConfig(config: Pick<Config, 'officers' | 'unit'>): Roster {
  const byBadge = new Map(config.officers.map((o) => [o.badge, o]));
  return {
    unitOfBadge: (badge) => (badge === null ? undefined : byBadge.get(badge)?.unit) ?? config.unit.code,
    nameOf: (badge) => byBadge.get(badge)?.name,
  };
}
