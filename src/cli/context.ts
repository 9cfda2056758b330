// What every command that touches custody needs: the loaded config, the database, the store, a
// logger — and who is acting (src/access): the caller identified, the roster looked up, the
// command's action checked with may(); a refusal is audited (access.refused) and exits 4.
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { CUSTODY_DB_FILE, openCustody, type Custody } from '../custody/index.js';
import { EXIT } from './exit.js';
import { ObjectStore } from '../store/index.js';
import { maybeCheckpoint } from '../audit/checkpoints.js';
import { createLogger, flushLogger, type Logger } from '../util/logger.js';
import { identifyCaller, sudoRefusals, SYSTEM_CONFIG, underSudo, type Caller } from '../access/identity.js';
import { may, type Actor, type Subject, type UnitTree } from '../access/roles.js';
import { NotPermittedError } from '../access/errors.js';
import { accountOf, checkSystemConfigFile, secureDataDir, userOfUid } from '../access/datadir.js';
import { syncRoster } from '../access/roster-sync.js';
import { catalogViewOf } from './catalog-view.js';

export interface Context {
  loaded: LoadedConfig; custody: Custody; store: ObjectStore; logger: Logger;
  /** Who acts; every audit entry of this context names them and their OS user. */
  actor: Actor;
  /** may(actor, action, subject) for this context's roster (e.g. to filter listed rows). */
  permits(action: string, subject?: Subject): boolean;
  /** Whose a recording or session with this badge is (the officer's unit; the station's when none). */
  subjectOf(badge: string | null): Subject;
  close(): Promise<void>;
}

/** A global option (--config, --as, --system-config), wherever the subcommand sits in the tree. */
export function globalOption(cmd: Command, name: string): string | undefined {
  let c: Command | null = cmd;
  while (c) {
    const v = c.opts()[name] as string | undefined;
    if (v) return v;
    c = c.parent;
  }
  return undefined;
}

/** custody.db is not a database (or a damaged one): an integrity problem, exit 3. */
export class CustodyDamagedError extends Error {
  readonly exitCode = EXIT.integrity;
  constructor(file: string, cause: Error) {
    super(`${file} is damaged and cannot be read (${cause.message}): custody is not intact; restore it from a backup`);
    this.name = 'CustodyDamagedError';
  }
}

const DAMAGED = new Set(['SQLITE_NOTADB', 'SQLITE_CORRUPT', 'SQLITE_CORRUPT_VTAB', 'SQLITE_CORRUPT_SEQUENCE', 'SQLITE_CORRUPT_INDEX']);

export function openCustodyChecked(dataDir: string, opts?: Parameters<typeof openCustody>[1]): Custody {
  try {
    return openCustody(dataDir, opts);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && DAMAGED.has(code)) throw new CustodyDamagedError(path.join(dataDir, CUSTODY_DB_FILE), err as Error);
    throw err;
  }
}

/** The global --config option, wherever the subcommand sits in the tree. */
export function configFileOf(cmd: Command): string | undefined {
  return globalOption(cmd, 'config');
}

/** The command's action name: its path without the program, e.g. `recordings.list`. */
export function actionOf(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c?.parent; c = c.parent) names.unshift(c.name());
  return names.join('.');
}

function processUser(): string {
  try { return os.userInfo().username; } catch { return String(process.geteuid?.() ?? '?'); }
}

/** The configuration: under sudo only the system one (pinned by the sudoers rule), nothing the caller points at. */
export function loadFor(cmd: Command): LoadedConfig {
  const euid = process.geteuid?.() ?? 0;
  if (!underSudo({ euid, env: process.env })) return loadConfig({ file: configFileOf(cmd) ?? globalOption(cmd, 'systemConfig') });
  const refused = sudoRefusals(process.argv, process.env);
  if (refused.length) throw new NotPermittedError(refused.join(', '), 'a caller reaching custody through sudo cannot choose the configuration or point evidock at files');
  const file = globalOption(cmd, 'systemConfig') ?? SYSTEM_CONFIG;
  const bad = checkSystemConfigFile(file, euid);
  if (bad) throw new NotPermittedError('configuration', bad);
  return loadConfig({ file, env: {} });
}

function actorFor(caller: Caller, custody: Custody): Actor {
  const roster = custody.getRoster();
  if (caller.kind === 'root') {
    if (caller.as === null) return { name: 'root', kind: 'root', osUser: caller.osUser, badge: null, roles: [], unit: null };
    const o = roster.officers.find((x) => x.badge === caller.as && x.active);
    if (!o) throw new NotPermittedError(`--as ${caller.as}`, `${caller.as} is not an active officer in the roster`);
    return { name: o.badge, kind: 'root', osUser: caller.osUser, badge: o.badge, roles: o.roles, unit: o.unit };
  }
  const o = roster.officers.find((x) => x.osUser === caller.osUser && x.active);
  if (!o) return { name: caller.osUser, kind: 'unknown', osUser: caller.osUser, badge: null, roles: [], unit: null };
  return { name: o.badge, kind: 'officer', osUser: caller.osUser, badge: o.badge, roles: o.roles, unit: o.unit };
}

/** A caller refused before it had an identity: recorded when this process can reach custody at all. */
function auditRefusal(dataDir: string, action: string, reason: string): void {
  const who = process.env.SUDO_USER ?? processUser();
  try {
    const c = openCustody(dataDir, { actor: who, osUser: who });
    try { c.appendAudit('access.refused', { action, reason, osUser: who, argv: process.argv.slice(2) }); } finally { c.close(); }
  } catch { /* custody unreachable for this process: the refusal is still printed and exits 4 */ }
}

export function openContext(cmd: Command, opts: { console?: boolean; component?: string; action?: string } = {}): Context {
  const loaded = loadFor(cmd);
  const { dataDir } = loaded.config;
  const serviceUser = loaded.config.access.serviceUser;
  let caller: Caller;
  try {
    caller = identifyCaller({
      euid: process.geteuid?.() ?? 0, user: processUser(), env: process.env, serviceUser,
      as: globalOption(cmd, 'as'), userOfUid,
    });
  } catch (err) {
    if (err instanceof NotPermittedError) auditRefusal(dataDir, opts.action ?? actionOf(cmd), err.why);
    throw err;
  }
  if (serviceUser !== undefined && caller.kind === 'root' && !accountOf(serviceUser)) {
    throw new NotPermittedError('custody', `access.serviceUser ${serviceUser} is no OS account`);
  }
  secureDataDir(dataDir, serviceUser);
  const logger = createLogger({ dataDir, level: loaded.config.log.level, console: opts.console, component: opts.component ?? cmd.name() });
  const custody = openCustodyChecked(dataDir, { actor: caller.kind === 'root' ? 'root' : caller.osUser, osUser: caller.osUser });
  const close = async () => {
    // Every audit.checkpointEvery entries a signed checkpoint leaves the database, whoever appended them.
    try { maybeCheckpoint(custody, loaded.config, logger); } catch (err) { logger.warn(`audit checkpoint: ${(err as Error).message}`); }
    custody.close();
    secureDataDir(dataDir, serviceUser);
    await flushLogger(logger);
  };
  try {
    // A station whose roster was never synced (no daemon start, no config apply yet) takes the YAML's.
    if (custody.getRoster().units.length === 0) syncRoster(custody, loaded.config, logger);
    let actor: Actor;
    try {
      actor = actorFor(caller, custody);
    } catch (err) {
      // e.g. --as names no active officer: refused, and the refusal is a custody event.
      if (err instanceof NotPermittedError) {
        custody.appendAudit('access.refused', { action: opts.action ?? actionOf(cmd), code: 'not-in-roster', reason: err.why, osUser: caller.osUser, argv: process.argv.slice(2) });
      }
      throw err;
    }
    custody.setActor(actor.name, actor.osUser);
    // --catalog: the caller is checked against this station; the report reads the catalog's rows (src/cli/catalog-view.ts).
    const view = catalogViewOf(cmd);
    const roster = (view ?? custody).getRoster();
    const units: UnitTree = new Map(roster.units.map((u) => [u.code, u.parent]));
    const unitOfBadge = new Map(roster.officers.map((o) => [o.badge, o.unit]));
    const subjectOf = (badge: string | null): Subject => ({ badge, unit: (badge !== null ? unitOfBadge.get(badge) : undefined) ?? loaded.config.unit.code });
    const action = opts.action ?? actionOf(cmd);
    const decision = may(actor, action, undefined, units);
    if (!decision.allowed) {
      custody.appendAudit('access.refused', { action, reason: decision.reason, osUser: actor.osUser, argv: process.argv.slice(2) });
      throw new NotPermittedError(action, decision.reason);
    }
    const store = new ObjectStore(path.join(dataDir, 'store'));
    return {
      loaded, custody: view ?? custody, store, logger, actor, subjectOf,
      close: view ? async () => { view.close(); await close(); } : close,
      permits: (a, subject) => may(actor, a, subject, units).allowed,
    };
  } catch (err) {
    void close();
    throw err;
  }
}

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}
