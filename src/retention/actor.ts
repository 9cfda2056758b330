// Who acts. The people-and-proof work maps OS users to officers with roles; retention, cases,
// holds and the archive take the acting person as this shape and record its label in the audit log.
export interface Actor {
  badge: string | null;
  osUser: string;
  roles: string[];
  unit: string | null;
}

/** What the audit log records as the actor: the badge when there is one, else the OS user. */
export function actorLabel(a: Actor): string {
  return a.badge ?? a.osUser;
}

/** The daemon's own scheduled jobs. */
export const SYSTEM_ACTOR: Actor = { badge: null, osUser: 'system', roles: ['admin'], unit: null };

/** A refusal of the rules (a shortened retention, a floor broken): exit 4, not permitted. */
export class NotPermittedError extends Error {
  readonly exitCode = 4;
}
