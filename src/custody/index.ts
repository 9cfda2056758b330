// The custody database: the one place evidock touches SQL. openCustody() opens or creates
// <dataDir>/custody.db, brings the schema up to date and hands out the repository API.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, stmt, toIso, type Db } from './db.js';
import { migrate, schemaVersion } from './migrations.js';
import {
  auditHashes, auditHead, iterateAudit, listAudit, verifyAuditChain,
  type AuditCheckpoint, type AuditEntry, type AuditQuery, type AuditVerification,
} from './audit.js';
import { audit, writeTx, type Ctx } from './context.js';
import { getDevice, listDevices, upsertDevice } from './devices.js';
import { endSession, getSession, listSessions, markInterruptedSessions, recordSessionChecks, startSession } from './sessions.js';
import {
  commitRecording, commitRecordings, correctRecordingTimes, findRecording, getObject, getRecording, hasObject, hasRecording, listObjects, listRecordings, markVerified, updateRecording,
  proofBacklog, recordDiskProof, resumeFingerprints, sessionUnproved, unprovedObjects,
  type RecordingUpdate,
} from './recordings.js';
import { ackAlert, getAlert, listAlerts, raiseAlert, type AlertQuery } from './alerts.js';
import * as gaps from './gaps.js';
import * as deliveries from './deliveries.js';
import * as schedules from './schedules.js';
import * as compliance from './compliance.js';
import * as ledger from './ledger.js';
import { getRoster, syncRoster, type Roster, type RosterChange, type RosterInput } from './roster.js';
import {
  auditAccess, createAccessRequest, getAccessRequest, listAccessAudit, listAccessRequests, recordingIdsOfCase, transitionAccessRequest,
  type AccessTransition,
} from './access.js';
import type * as T from './types.js';

export * from './types.js';
export { canonicalJson, type JsonValue } from './canonical.js';
export {
  AUDIT_DOMAIN, GENESIS_HASH, auditEntryHash,
  type AuditCheckpoint, type AuditEntry, type AuditProblem, type AuditQuery, type AuditVerification,
} from './audit.js';
export { MIGRATIONS, type Migration } from './migrations.js';
export type { Roster, RosterChange, RosterInput, RoleName, UnitRow, OfficerRow, RosterDeviceRow } from './roster.js';
export { COMMITTED_FIELDS, type RecordingUpdate } from './recordings.js';
export type { Ctx } from './context.js';
export * as cases from './cases.js';
export * as retention from './retention.js';
export * as discs from './discs.js';
export * as upstreamObjects from './upstream-objects.js';
export type { AccessTransition } from './access.js';
export type { AlertQuery } from './alerts.js';
export type { GapRow, GapInput, GapExplanation } from './gaps.js';
export type { DeliveryRow } from './deliveries.js';
export type { ScheduleRunRow } from './schedules.js';
export type { ComplianceRecording, ComplianceSession } from './compliance.js';
export type * from './ledger.js';

export const CUSTODY_DB_FILE = 'custody.db';

function processUser(): string | null {
  try { return os.userInfo().username; } catch { return null; }
}

export interface CustodyOptions {
  /** Actor recorded in audit entries when a call does not name one (default 'system'). */
  actor?: string;
  /** OS account behind the actor, recorded in every audit entry (default: the process's user). */
  osUser?: string | null;
  /** Clock, for tests of time-dependent rules (default: the system clock). */
  now?: () => Date;
}

export class Custody {
  readonly file: string;
  readonly #db: Db;
  readonly #ctx: Ctx;

  constructor(file: string, db: Db, opts: CustodyOptions = {}) {
    this.file = file;
    this.#db = db;
    const clock = opts.now ?? (() => new Date());
    this.#ctx = { db, now: () => toIso(clock()), actor: opts.actor ?? 'system', osUser: opts.osUser === undefined ? processUser() : opts.osUser };
  }

  /** The acting person and OS user every later audit entry of this handle carries. */
  get actor(): { actor: string; osUser: string | null } { return { actor: this.#ctx.actor, osUser: this.#ctx.osUser }; }
  setActor(actor: string, osUser: string | null): void {
    this.#ctx.actor = actor;
    this.#ctx.osUser = osUser;
  }

  get schemaVersion(): number { return schemaVersion(this.#db); }

  /** Repository context acting as `actor` (cases, holds, retention and discs take it: src/custody/{cases,retention,discs}.ts). */
  ctx(actor?: string): Ctx { return { ...this.#ctx, actor: actor ?? this.#ctx.actor }; }
  /** Runs fn in one write transaction (nested repository calls become savepoints). */
  transaction<T>(fn: () => T): T { return writeTx(this.#ctx, fn); }

  // devices
  upsertDevice(input: T.DeviceInput): T.DeviceRow { return upsertDevice(this.#ctx, input); }
  getDevice(serial: string): T.DeviceRow | undefined { return getDevice(this.#ctx, serial); }
  listDevices(): T.DeviceRow[] { return listDevices(this.#ctx); }

  // dock sessions
  startSession(input: T.StartSessionInput): number { return startSession(this.#ctx, input); }
  endSession(id: number, input: T.EndSessionInput): void { endSession(this.#ctx, id, input); }
  recordSessionChecks(id: number, checks: T.SessionChecks): void { recordSessionChecks(this.#ctx, id, checks); }
  getSession(id: number): T.SessionRow | undefined { return getSession(this.#ctx, id); }
  listSessions(opts: { running?: boolean; limit?: number } = {}): T.SessionRow[] { return listSessions(this.#ctx, opts); }
  markInterruptedSessions(): number[] { return markInterruptedSessions(this.#ctx); }

  // recordings and objects
  commitRecording(input: T.CommitRecordingInput): T.CommitResult { return commitRecording(this.#ctx, input); }
  /** Several commits in one transaction (one WAL sync): each still gets its own audit entry. */
  commitRecordings(inputs: T.CommitRecordingInput[]): T.CommitResult[] {
    return commitRecordings(this.#ctx, inputs);
  }
  getRecording(id: number): T.RecordingRow | undefined { return getRecording(this.#ctx, id); }
  /** The audited way to change a recording after its commit (verify replays recording.update). */
  updateRecording(id: number, set: RecordingUpdate, reason: string): T.RecordingRow { return updateRecording(this.#ctx, id, set, reason); }
  findRecording(deviceSerial: string, sourcePath: string): T.RecordingRow[] { return findRecording(this.#ctx, deviceSerial, sourcePath); }
  hasRecording(deviceSerial: string, sourcePath: string, size: number, mtimeMs: number): boolean {
    return hasRecording(this.#ctx, deviceSerial, sourcePath, size, mtimeMs);
  }
  resumeFingerprints(deviceSerial: string, sourcePath: string, size: number, mtimeMs: number): string[] {
    return resumeFingerprints(this.#ctx, deviceSerial, sourcePath, size, mtimeMs);
  }
  hasObject(sha256: string): boolean { return hasObject(this.#ctx, sha256); }
  getObject(sha256: string): T.ObjectRow | undefined { return getObject(this.#ctx, sha256); }
  unprovedObjects(limit = 256): { sha256: string; size: number }[] { return unprovedObjects(this.#ctx, limit); }
  proofBacklog(): { objects: number; bytes: number } { return proofBacklog(this.#ctx); }
  sessionUnproved(sessionId: number): number { return sessionUnproved(this.#ctx, sessionId); }
  recordDiskProof(ok: string[], failed: { sha256: string; reason: string }[], at: T.TimeInput = new Date()): number {
    return recordDiskProof(this.#ctx, ok, failed, at);
  }
  listRecordings(filter: T.RecordingFilter = {}): T.RecordingRow[] { return listRecordings(this.#ctx, filter); }
  listObjects(): T.ObjectRow[] { return listObjects(this.#ctx); }
  /** Audited (`object.verified`); `how` says what proved them (e.g. 'verify', 'wipe', 'disk-proof'). */
  markVerified(sha256s: Iterable<string>, at: T.TimeInput = new Date(), how?: string): number {
    return markVerified(this.#ctx, sha256s, at, how);
  }
  /** The only way a recording's clock correction changes after commit; audited before the change. */
  correctRecordingTimes(id: number, clockOffsetS: number | null, reason: string): T.RecordingRow {
    return correctRecordingTimes(this.#ctx, id, clockOffsetS, reason);
  }

  // roster
  syncRoster(input: RosterInput): RosterChange[] { return syncRoster(this.#ctx, input); }
  getRoster(): Roster { return getRoster(this.#ctx); }

  // alerts
  raiseAlert(input: T.AlertInput): number { return raiseAlert(this.#ctx, input); }
  ackAlert(id: number, by: string, note?: string): boolean { return ackAlert(this.#ctx, id, by, note); }
  listAlerts(opts: AlertQuery = {}): T.AlertRow[] { return listAlerts(this.#ctx, opts); }
  getAlert(id: number): T.AlertRow | undefined { return getAlert(this.#ctx, id); }

  // compliance (issue 11): interruptions, deliveries, schedules, the facts reports are built from
  get gaps() { return bind(this.#ctx, gaps); }
  get deliveries() { return bind(this.#ctx, deliveries); }
  get schedules() { return bind(this.#ctx, schedules); }
  get compliance() { return bind(this.#ctx, compliance); }
  /** The equipment ledger (issue 10): devices, handovers, lifecycle, report aggregates. */
  get ledger() { return bind(this.#ctx, ledger); }

  // access requests and grants (art. 15); the rules are in src/access
  createAccessRequest(input: T.AccessRequestInput, auditPayload: Record<string, unknown>): T.AccessRequestRow {
    return createAccessRequest(this.#ctx, input, auditPayload);
  }
  getAccessRequest(id: number): T.AccessRequestRow | undefined { return getAccessRequest(this.#ctx, id); }
  listAccessRequests(filter: { requester?: string; status?: T.AccessStoredStatus } = {}): T.AccessRequestRow[] {
    return listAccessRequests(this.#ctx, filter);
  }
  transitionAccessRequest(id: number, actor: string, check: (row: T.AccessRequestRow, now: string) => void,
    next: AccessTransition, event: string, payload: Record<string, unknown>): T.AccessRequestRow {
    return transitionAccessRequest(this.#ctx, id, actor, check, next, event, payload);
  }
  auditAccess(event: string, payload: Record<string, unknown>, actor: string): void { auditAccess(this.#ctx, event, payload, actor); }
  listAccessAudit(range: { from?: string; to?: string } = {}): T.AuditEntryLite[] { return listAccessAudit(this.#ctx, range); }
  /** Recordings linked to a case; undefined for an unknown case; throws without a case register. */
  recordingIdsOfCase(caseNo: string): number[] | undefined { return recordingIdsOfCase(this.#ctx, caseNo); }
  /** The custody clock (injectable in tests), ISO-8601 UTC. */
  now(): string { return this.#ctx.now(); }

  // audit
  appendAudit(event: string, payload: unknown, actor?: string): AuditEntry {
    return writeTx(this.#ctx, () => audit(this.#ctx, event, payload, actor));
  }
  listAudit(opts: AuditQuery = {}): AuditEntry[] { return listAudit(this.#db, opts); }
  iterateAudit(): Generator<AuditEntry> { return iterateAudit(this.#db); }
  auditHashes(): Map<number, string> { return auditHashes(this.#db); }
  auditHead(): { seq: number; hash: string } { return auditHead(this.#db); }
  verifyAuditChain(checkpoints: readonly AuditCheckpoint[] = []): AuditVerification { return verifyAuditChain(this.#db, checkpoints); }

  stats(): T.CustodyStats {
    const one = (sql: string): number => Number((stmt(this.#db, sql).get() as { n: number | null }).n ?? 0);
    // One snapshot so the numbers agree with each other while an ingest is committing.
    return this.#db.transaction(() => ({
      recordings: one('SELECT count(*) AS n FROM recordings'),
      objects: one('SELECT count(*) AS n FROM objects'),
      bytes: one('SELECT sum(size) AS n FROM objects'),
      sessions: one('SELECT count(*) AS n FROM dock_sessions'),
      openAlerts: one('SELECT count(*) AS n FROM alerts WHERE acked_at IS NULL'),
      devices: one('SELECT count(*) AS n FROM devices'),
    })).deferred();
  }

  /** The connection settings custody relies on, for `status` and the tests. */
  pragmas(): { journalMode: string; synchronous: number; foreignKeys: boolean; busyTimeout: number } {
    const p = (name: string): unknown => this.#db.pragma(name, { simple: true });
    return {
      journalMode: String(p('journal_mode')), synchronous: Number(p('synchronous')),
      foreignKeys: Number(p('foreign_keys')) === 1, busyTimeout: Number(p('busy_timeout')),
    };
  }

  get isOpen(): boolean { return this.#db.open; }

  close(): void {
    if (this.#db.open) this.#db.close();
  }
}

type Bound<M> = { [K in keyof M]: M[K] extends (ctx: Ctx, ...a: infer A) => infer R ? (...a: A) => R : never };
/** A module of repository functions with the handle's context filled in. */
function bind<M extends Record<string, unknown>>(ctx: Ctx, mod: M): Bound<M> {
  const out: Record<string, unknown> = {};
  for (const [k, f] of Object.entries(mod)) if (typeof f === 'function') out[k] = (...a: unknown[]) => (f as (c: Ctx, ...x: unknown[]) => unknown)(ctx, ...a);
  return out as Bound<M>;
}

export function openCustody(dataDir: string, opts: CustodyOptions = {}): Custody {
  mkdirSync(dataDir, { recursive: true });
  const file = path.join(dataDir, CUSTODY_DB_FILE);
  const db = openDatabase(file);
  try {
    migrate(db);
  } catch (e) {
    db.close();
    throw e;
  }
  return new Custody(file, db, opts);
}
