// Who is acting, for the commands that need a person (access). For now: root may name an officer
// with the global --as BADGE; anyone else is the officer whose osUser is their OS account. The
// people-and-proof work replaces this one function with its resolver (socket peer credentials).
import os from 'node:os';
import type { Command } from 'commander';
import type { Config } from '../config/schema.js';
import { NotPermittedError } from '../access/errors.js';
import type { Actor } from '../access/types.js';

/** The global --as option, wherever the subcommand sits in the tree. */
export function asBadgeOf(cmd: Command): string | undefined {
  for (let c: Command | null = cmd; c; c = c.parent) {
    const v = c.opts().as as string | undefined;
    if (v) return v;
  }
  return undefined;
}

export function actorFor(cmd: Command, config: Pick<Config, 'officers' | 'unit'>,
  who: { uid: number; user: string } = { uid: process.getuid?.() ?? -1, user: os.userInfo().username }): Actor {
  const as = asBadgeOf(cmd);
  const toActor = (o: Config['officers'][number]): Actor => ({
    badge: o.badge, osUser: who.user, roles: o.roles, unit: o.unit ?? config.unit.code, name: o.name,
  });
  if (as !== undefined) {
    if (who.uid !== 0) throw new NotPermittedError('not-root', `--as ${as}: only root may act for another officer`);
    const o = config.officers.find((x) => x.badge === as);
    if (!o) throw new NotPermittedError('not-in-roster', `--as ${as}: no officer with that badge in the roster (officers: in the YAML)`);
    return toActor(o);
  }
  const o = config.officers.find((x) => x.osUser === who.user);
  if (o) return toActor(o);
  if (who.uid === 0) return { badge: 'root', osUser: who.user, roles: [], unit: config.unit.code };
  throw new NotPermittedError('not-in-roster', `OS user ${who.user} is not in the roster (officers[].osUser in the YAML)`);
}
