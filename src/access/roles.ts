// Pure: what an actor may do. One table of actions → roles, plus who the subject (a recording or a
// session) belongs to: officers their own, custodians their unit's, heads their unit's and its
// sub-units', admins everything. Root and the daemon (system) may do anything; someone not in the
// roster nothing (the CLI lets them reach only --help, config check and sim, which touch no custody).
import type { RoleName } from '../custody/index.js';

export type Role = RoleName;

export interface Actor {
  /** What audit entries name: a badge, 'root' or 'system' ('root' acting --as a badge: the badge). */
  name: string;
  kind: 'officer' | 'root' | 'system' | 'unknown';
  osUser: string | null;
  badge: string | null;
  roles: readonly Role[];
  unit: string | null;
}

/** Whose a recording or session is: its officer's badge and that officer's unit. */
export interface Subject { badge?: string | null | undefined; unit?: string | null | undefined }

/** code → parent code, for "this unit and its sub-units". */
export type UnitTree = ReadonlyMap<string, string | null>;

export interface Decision { allowed: boolean; reason: string }

/** Who may run each action at all (subject scope is checked separately for the *.read actions). */
const ACTIONS: Record<string, readonly Role[]> = {
  'status': ['officer', 'custodian', 'head', 'admin'],
  'recordings.list': ['officer', 'custodian', 'head', 'admin'],
  'sessions.list': ['officer', 'custodian', 'head', 'admin'],
  'recording.read': ['officer', 'custodian', 'head', 'admin'],
  'session.read': ['officer', 'custodian', 'head', 'admin'],
  'audit.pubkey': ['officer', 'custodian', 'head', 'admin'],
  'ingest': ['custodian', 'admin'],
  'verify': ['custodian', 'head', 'admin'],
  'audit.verify': ['custodian', 'head', 'admin'],
  'audit.log': ['head', 'admin'],
  'audit.checkpoint': ['admin'],
  'config.apply': ['admin'],
  // Access approval (art. 15): anyone may ask; heads and admins decide (four eyes: src/access/rules.ts);
  // export and view check the grant itself.
  'access.request': ['officer', 'custodian', 'head', 'admin'],
  'access.list': ['officer', 'custodian', 'head', 'admin'],
  'access.approve': ['head', 'admin'],
  'access.reject': ['head', 'admin'],
  'access.revoke': ['head', 'admin'],
  'export': ['officer', 'custodian', 'head', 'admin'],
  'view': ['officer', 'custodian', 'head', 'admin'],
  'report.access': ['custodian', 'head', 'admin'],
  // Retention, cases, holds (art. 2, 14(2)): the custodian files, the head answers for it.
  'classify': ['custodian', 'head', 'admin'],
  'case.open': ['custodian', 'head', 'admin'],
  'case.close': ['custodian', 'head', 'admin'],
  'case.reopen': ['custodian', 'head', 'admin'],
  'case.link': ['custodian', 'head', 'admin'],
  'case.attach': ['custodian', 'head', 'admin'],
  'case.show': ['custodian', 'head', 'admin'],
  'case.list': ['custodian', 'head', 'admin'],
  'report.case': ['custodian', 'head', 'admin'],
  'hold.add': ['custodian', 'head', 'admin'],
  'hold.release': ['head', 'admin'],
  'hold.list': ['custodian', 'head', 'admin'],
  'retention.plan': ['custodian', 'head', 'admin'],
  'retention.tombstones': ['custodian', 'head', 'admin'],
  'retention.digest': ['custodian', 'head', 'admin'],
  'retention.restore': ['custodian', 'head', 'admin'], // only ever keeps evidence longer
  'retention.run': ['admin'], // graces and purges: the daemon's job (system); by hand, the admin's alone
  'archive.plan': ['custodian', 'admin'],
  'archive.build': ['custodian', 'admin'],
  'archive.verify': ['custodian', 'head', 'admin'],
  'archive.burn': ['custodian', 'admin'],
  'archive.list': ['custodian', 'head', 'admin'],
  // compliance (issue 11): officers see and explain their own interruptions; the unit head reviews
  'alerts.list': ['custodian', 'head', 'admin'],
  'alerts.ack': ['custodian', 'head', 'admin'],
  'gap.list': ['officer', 'custodian', 'head', 'admin'],
  'gap.read': ['officer', 'custodian', 'head', 'admin'],
  'gap.explain': ['officer', 'custodian', 'head', 'admin'],
  'gap.review': ['head', 'admin'],
  'report.late': ['custodian', 'head', 'admin'],
  'report.gaps': ['custodian', 'head', 'admin'],
  'report.performance': ['custodian', 'head', 'admin'],
  // upstream to the backend server (issue 14): the custodian runs it, the head watches it
  'upstream.status': ['custodian', 'head', 'admin'],
  'upstream.sync': ['custodian', 'admin'],
  'upstream.prune': ['custodian', 'admin'],
  // the central catalog (issue 14)
  'upstream.catalog-status': ['custodian', 'head', 'admin'],
  'upstream.catalog-sync': ['custodian', 'admin'],
  'upstream.catalog-verify': ['custodian', 'head', 'admin'],
  // equipment ledger (issue 10): the custodian keeps it; the head answers for 100 % equipment and reads it;
  // an officer may read their own file (一人一档; the report checks the officer's scope)
  'device.add': ['custodian', 'admin'],
  'device.list': ['custodian', 'admin'],
  'device.assign': ['custodian', 'admin'],
  'device.return': ['custodian', 'admin'],
  'device.fault': ['custodian', 'admin'],
  'device.repair': ['custodian', 'admin'],
  'device.lost': ['custodian', 'admin'],
  'device.damaged': ['custodian', 'admin'],
  'device.retire': ['custodian', 'admin'],
  'report.ledger': ['custodian', 'head', 'admin'],
  'report.allocation': ['custodian', 'head', 'admin'],
  'report.faults': ['custodian', 'head', 'admin'],
  'report.officer': ['officer', 'custodian', 'head', 'admin'],
};
const ONLY_ROOT = new Set(['daemon']);
const SCOPED = new Set(['recording.read', 'session.read', 'gap.read', 'gap.explain', 'gap.review']);

export const KNOWN_ACTIONS: readonly string[] = [...Object.keys(ACTIONS), ...ONLY_ROOT];

const allow = (reason: string): Decision => ({ allowed: true, reason });
const deny = (reason: string): Decision => ({ allowed: false, reason });

/** The unit and every unit above it. */
function lineage(unit: string, units: UnitTree): string[] {
  const out: string[] = [];
  for (let u: string | null | undefined = unit; u && !out.includes(u); u = units.get(u)) out.push(u);
  return out;
}

export function may(actor: Actor, action: string, subject?: Subject, units: UnitTree = new Map()): Decision {
  if (actor.kind === 'system') return allow('the daemon acts for the station');
  if (actor.kind === 'root') return allow(actor.badge ? `root acting as ${actor.badge}` : 'root');
  if (ONLY_ROOT.has(action)) return deny(`${action} is run by root or the service`);
  if (actor.kind === 'unknown') return deny(`OS user ${actor.osUser ?? '?'} is not an active officer in the roster`);
  const roles = ACTIONS[action];
  if (!roles) return actor.roles.includes('admin') ? allow('admin') : deny(`no role grants ${action}; only an admin may`);
  const held = actor.roles.filter((r) => roles.includes(r));
  if (held.length === 0) return deny(`${action} needs the role ${roles.join(' or ')}; ${actor.name} has ${actor.roles.join(', ') || 'none'}`);
  if (!SCOPED.has(action) || subject === undefined || held.includes('admin')) return allow(held.join(', '));
  // Scoped: the widest role the actor holds decides.
  const subjUnit = subject.unit ?? null;
  if (held.includes('head') && actor.unit && subjUnit && lineage(subjUnit, units).includes(actor.unit)) return allow(`head of ${actor.unit}`);
  if (held.includes('custodian') && actor.unit && subjUnit === actor.unit) return allow(`custodian of ${actor.unit}`);
  if (held.includes('officer') && actor.badge !== null && subject.badge === actor.badge) return allow('own');
  return deny(`${actor.name} may see only ${held.includes('head') ? `unit ${actor.unit ?? '?'} and its sub-units` : held.includes('custodian') ? `unit ${actor.unit ?? '?'}` : 'their own'}`
    + ` (this belongs to ${subject.badge ?? 'no officer'}${subjUnit ? ` of unit ${subjUnit}` : ''})`);
}
