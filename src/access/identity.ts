// Who is calling, unforgeably (issue 9). The custody data belongs to a service account
// (access.serviceUser): custody.db 0600, the data directory 0700. A user's CLI re-executes itself
// as that account through `sudo -n -u <service>` (sudoers drop-in: `evidock deploy sudoers`);
// sudo resets the environment and sets SUDO_UID/SUDO_USER, which only sudo (or root) can set for a
// process of the service account, so they name the caller. Everything here is pure: the facts about
// the process come in, a caller or a refusal goes out.
import { NotPermittedError } from './errors.js';

/** Where the configuration comes from under sudo when the sudoers rule pins no other path. */
export const SYSTEM_CONFIG = '/etc/evidock/evidock.yaml';

/** Environment that could point evidock at a file of the caller's choosing: refused under sudo. */
// PG*: PGPASSFILE, PGSSLCERT… would steer the catalog connection (src/upstream/catalog/pg.ts).
export const USER_PATH_ENV = /^(EVIDOCK_|NODE_OPTIONS$|NODE_PATH$|LD_PRELOAD$|LD_LIBRARY_PATH$|PG[A-Z]+$)/;

export interface ProcessFacts {
  euid: number;
  /** Name of the effective user. */
  user: string;
  env: Readonly<Record<string, string | undefined>>;
  /** access.serviceUser of the configuration, when custody belongs to a service account. */
  serviceUser: string | undefined;
  /** The global --as BADGE. */
  as: string | undefined;
  /** The OS user with this uid (getent passwd), to check SUDO_USER against SUDO_UID. */
  userOfUid: (uid: number) => string | undefined;
}

export type Caller =
  | { kind: 'root'; osUser: string; as: string | null }
  | { kind: 'user'; osUser: string; via: 'sudo' | 'direct' };

/** True when this process runs as the service account on behalf of someone (the sudo side). */
export function underSudo(f: Pick<ProcessFacts, 'euid' | 'env'>): boolean {
  return f.euid !== 0 && f.env.SUDO_UID !== undefined;
}

export function identifyCaller(f: ProcessFacts): Caller {
  if (f.euid === 0) return { kind: 'root', osUser: 'root', as: f.as ?? null };
  if (f.serviceUser !== undefined && f.user === f.serviceUser) {
    // Only sudo (or root) starts a process of the service account with SUDO_* set: trust them here only.
    const uidText = f.env.SUDO_UID;
    const name = f.env.SUDO_USER;
    if (uidText === undefined || name === undefined || !/^\d+$/.test(uidText)) {
      throw new NotPermittedError('custody', `cannot identify the caller: running as the service account ${f.serviceUser} without sudo`);
    }
    const uid = Number(uidText);
    const known = f.userOfUid(uid);
    if (known !== name) throw new NotPermittedError('custody', `cannot identify the caller: SUDO_USER ${name} is not uid ${uid} (${known ?? 'no such user'})`);
    if (uid === 0) return { kind: 'root', osUser: 'root', as: f.as ?? null };
    if (f.as !== undefined) throw new NotPermittedError(`--as ${f.as}`, `only root may act for another officer; ${name} is not root`);
    return { kind: 'user', osUser: name, via: 'sudo' };
  }
  if (f.as !== undefined) throw new NotPermittedError(`--as ${f.as}`, `only root may act for another officer; ${f.user} is not root`);
  if (f.env.SUDO_UID !== undefined && f.serviceUser === undefined) {
    throw new NotPermittedError('custody', `cannot identify the caller: running under sudo as ${f.user}, but the configuration names no access.serviceUser`);
  }
  if (f.serviceUser !== undefined) {
    throw new NotPermittedError('custody', `custody belongs to ${f.serviceUser}; ${f.user} reaches it only through sudo (evidock deploy sudoers)`);
  }
  // No service account configured: single-user mode, the caller owns the data it opens.
  return { kind: 'user', osUser: f.user, via: 'direct' };
}

/**
 * Under sudo: what the caller tried to steer evidock with (refused, named). argv is process.argv
 * (node, script, args…); the sudoers rule puts `--system-config FILE` first, and it may appear only there.
 */
export function sudoRefusals(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): string[] {
  const out: string[] = [];
  if (argv.some((a) => a === '--config' || a.startsWith('--config='))) out.push('--config (under sudo the configuration is the system one)');
  const pinned = argv.slice(2).filter((a) => a.startsWith('--system-config'));
  if (pinned.length > 1 || (pinned.length === 1 && argv[2] !== '--system-config')) out.push('--system-config other than the one the sudo rule pins');
  for (const k of Object.keys(env)) if (USER_PATH_ENV.test(k) && env[k] !== undefined) out.push(`$${k}`);
  return out;
}
