// Who acts and on what, as the access rules see it. The actor comes from the CLI's resolver
// (src/cli/actor.ts); the roster answers which unit a recording belongs to.
import type { AccessKind, AccessRequestRow } from '../custody/index.js';

export type Role = 'officer' | 'custodian' | 'head' | 'admin';

export interface Actor {
  badge: string;
  /** The OS user behind the command (audited beside the badge). */
  osUser: string;
  roles: readonly Role[];
  /** Unit code the actor belongs to. */
  unit: string;
  name?: string | undefined;
}

export interface Roster {
  /** The unit whose head/admin decides about a recording of this officer (null badge: the station's unit). */
  unitOfBadge(badge: string | null): string;
  nameOf(badge: string): string | undefined;
}

/** Status as people see it: 'expired' is an approved grant past its expiry. */
export type AccessStatus = 'pending' | 'approved' | 'rejected' | 'revoked' | 'expired' | 'used';

export type { AccessKind, AccessRequestRow };

/** What a grant is used for: a view copy, or an export. */
export type AccessUse = 'view' | 'export';
