// The CLI's acting person, in the shapes the capability services take. Who acts is decided once,
// by openContext (OS user or sudo caller → roster officer; root, optionally --as BADGE); these
// functions only translate ctx.actor.
import type { Context } from './context.js';
import type { Actor as RetentionActor } from '../retention/actor.js';
import type { Actor as AccessActor, Role } from '../access/types.js';

/** For retention, cases, holds and the archive: the badge when there is one, else the OS user. */
export function actorFor(ctx: Context): RetentionActor {
  const a = ctx.actor;
  const roles: string[] = a.kind === 'root' && a.badge === null ? ['admin'] : [...a.roles];
  return { badge: a.badge, osUser: a.osUser ?? a.name, roles, unit: a.unit ?? ctx.loaded.config.unit.code };
}

/** For access requests and decisions: root without --as acts as `root`, with no role of its own. */
export function accessActorFor(ctx: Context): AccessActor {
  const a = ctx.actor;
  const name = a.badge ? ctx.loaded.config.officers.find((o) => o.badge === a.badge)?.name : undefined;
  return {
    badge: a.badge ?? a.name, osUser: a.osUser ?? a.name, roles: a.roles as readonly Role[],
    unit: a.unit ?? ctx.loaded.config.unit.code, ...(name ? { name } : {}),
  };
}
