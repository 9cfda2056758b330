// The one place the CLI decides who is acting. Until the roster-backed resolver (OS user →
// officer, roles, unit) is merged, every command acts as the root/system administrator.
import os from 'node:os';
import type { Context } from './context.js';
import type { Actor } from '../retention/actor.js';

export function actorFor(ctx: Context): Actor {
  let osUser = 'root';
  try { osUser = os.userInfo().username; } catch { /* no passwd entry: keep root */ }
  return { badge: null, osUser, roles: ['admin'], unit: ctx.loaded.config.unit.code };
}
