// The hash-chained audit log (ARCHITECTURE §2 invariant 3). Each entry's hash covers its seq, the
// previous entry's hash and the canonical JSON of {at, actor, event, payload}, so changing,
// removing or reordering any entry breaks the chain from that point on. Since schema version 6
// an entry also names the OS user behind it (osUser); it joins the hashed body only when set,
// so entries written before keep their hashes.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.js';
import { stmt, type Db } from './db.js';

export const AUDIT_DOMAIN = 'evidock-audit-v1\n';
export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  seq: number;
  at: string;
  actor: string;
  event: string;
  payload: unknown;
  /** The OS account behind the actor (null in entries written before schema version 6). */
  osUser: string | null;
  prevHash: string;
  hash: string;
}

export interface AuditProblem {
  seq: number;
  problem: string;
}

export interface AuditVerification {
  ok: boolean;
  entries: number;
  head: string;
  problems: AuditProblem[];
}

/** An externally kept head (log line, burned disc) that the chain must still contain. */
export interface AuditCheckpoint {
  seq: number;
  hash: string;
}

export interface AuditFields { at: string; actor: string; event: string; payload: unknown; osUser?: string | null | undefined }

export function auditEntryHash(seq: number, prevHash: string, fields: AuditFields): string {
  const body = canonicalJson({
    at: fields.at, actor: fields.actor, event: fields.event, payload: fields.payload, osUser: fields.osUser ?? undefined,
  });
  return createHash('sha256').update(`${AUDIT_DOMAIN}${seq}\n${prevHash}\n${body}`, 'utf8').digest('hex');
}

export interface RawAuditRow {
  seq: number;
  at: string;
  actor: string;
  event: string;
  payload: string;
  os_user: string | null;
  prev_hash: string;
  hash: string;
}

/**
 * Appends one entry. The caller must hold a write transaction (db.transaction(...).immediate()),
 * so reading the head and inserting cannot interleave with another connection's append.
 */
export function appendAuditInTx(db: Db, at: string, actor: string, event: string, payload: unknown, osUser: string | null = null): AuditEntry {
  if (!db.inTransaction) throw new Error('custody: appendAuditInTx needs an open transaction');
  // Round-trip through canonical text so the hash covers exactly what is stored and re-read.
  const payloadText = canonicalJson(payload ?? null);
  const stored = JSON.parse(payloadText) as unknown;
  const head = stmt(db, 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  const seq = (head?.seq ?? 0) + 1;
  const prevHash = head?.hash ?? GENESIS_HASH;
  const hash = auditEntryHash(seq, prevHash, { at, actor, event, payload: stored, osUser });
  stmt(db, 'INSERT INTO audit_log (seq, at, actor, event, payload, os_user, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
    .run(seq, at, actor, event, payloadText, osUser, prevHash, hash);
  return { seq, at, actor, event, payload: stored, osUser, prevHash, hash };
}

export function auditHead(db: Db): { seq: number; hash: string } {
  const head = stmt(db, 'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1').get() as { seq: number; hash: string } | undefined;
  return head ?? { seq: 0, hash: GENESIS_HASH };
}

export interface AuditQuery {
  afterSeq?: number | undefined;
  event?: string | undefined;
  limit?: number | undefined;
  /** at >= since (ISO-8601) */
  since?: string | undefined;
  /** at < until (ISO-8601) */
  until?: string | undefined;
  actor?: string | undefined;
}

function toEntry(r: RawAuditRow): AuditEntry {
  return {
    seq: r.seq, at: r.at, actor: r.actor, event: r.event,
    payload: JSON.parse(r.payload) as unknown, osUser: r.os_user, prevHash: r.prev_hash, hash: r.hash,
  };
}

export function listAudit(db: Db, opts: AuditQuery = {}): AuditEntry[] {
  const rows = stmt(db, `SELECT * FROM audit_log WHERE seq > @after AND (@event IS NULL OR event = @event)
    AND (@since IS NULL OR at >= @since) AND (@until IS NULL OR at < @until) AND (@actor IS NULL OR actor = @actor)
    ORDER BY seq LIMIT @limit`)
    .all({
      after: opts.afterSeq ?? 0, event: opts.event ?? null, since: opts.since ?? null, until: opts.until ?? null,
      actor: opts.actor ?? null, limit: opts.limit ?? -1,
    }) as RawAuditRow[];
  return rows.map(toEntry);
}

/** Every entry in seq order, one at a time (for replaying the whole log). */
export function* iterateAudit(db: Db): Generator<AuditEntry> {
  for (const r of stmt(db, 'SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<RawAuditRow>) yield toEntry(r);
}

/** The stored hash of each entry (seq → hash), for checking checkpoints against the chain. */
export function auditHashes(db: Db): Map<number, string> {
  const out = new Map<number, string>();
  for (const r of stmt(db, 'SELECT seq, hash FROM audit_log ORDER BY seq').iterate() as IterableIterator<{ seq: number; hash: string }>) {
    out.set(r.seq, r.hash);
  }
  return out;
}

/**
 * Recomputes every hash and link of rows in seq order (from this database or from the central
 * catalog) and collects every problem rather than stopping at the first.
 */
export function checkAuditRows(rows: Iterable<RawAuditRow>, checkpoints: readonly AuditCheckpoint[] = []):
  { entries: number; head: string; headSeq: number; problems: AuditProblem[]; hashes: Map<number, string> } {
  const problems: AuditProblem[] = [];
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let entries = 0;
  let headSeq = 0;
  const seen = new Map<number, string>();
  for (const row of rows) {
    entries++;
    if (row.seq > expectedSeq) {
      const missing = row.seq - expectedSeq;
      problems.push({ seq: expectedSeq, problem: missing === 1 ? 'entry missing' : `entries ${expectedSeq}..${row.seq - 1} missing` });
    }
    if (row.prev_hash !== prevHash) problems.push({ seq: row.seq, problem: 'prev_hash does not link to the previous entry' });
    let payload: unknown;
    try {
      payload = JSON.parse(row.payload);
    } catch {
      problems.push({ seq: row.seq, problem: 'payload is not valid JSON' });
      payload = row.payload;
    }
    if (typeof row.payload === 'string' && payload !== row.payload && canonicalJson(payload) !== row.payload) {
      problems.push({ seq: row.seq, problem: 'payload is not in canonical form' });
    }
    const expected = auditEntryHash(row.seq, row.prev_hash, { at: row.at, actor: row.actor, event: row.event, payload, osUser: row.os_user });
    if (expected !== row.hash) problems.push({ seq: row.seq, problem: 'hash does not match the entry contents' });
    seen.set(row.seq, row.hash);
    expectedSeq = row.seq + 1;
    headSeq = row.seq;
    prevHash = row.hash; // link to what is stored, so one altered entry is reported once, not for every later entry
  }
  for (const cp of checkpoints) {
    const h = seen.get(cp.seq);
    if (h === undefined) problems.push({ seq: cp.seq, problem: 'checkpointed entry is missing (log truncated?)' });
    else if (h !== cp.hash) problems.push({ seq: cp.seq, problem: 'entry differs from the checkpointed hash' });
  }
  return { entries, head: prevHash, headSeq, problems, hashes: seen };
}

/** Recomputes every hash and link and collects every problem rather than stopping at the first. */
export function verifyAuditChain(db: Db, checkpoints: readonly AuditCheckpoint[] = []): AuditVerification {
  // One read transaction: a consistent snapshot even while another process appends.
  const run = db.transaction(() => checkAuditRows(stmt(db, 'SELECT * FROM audit_log ORDER BY seq').iterate() as IterableIterator<RawAuditRow>, checkpoints));
  const { entries, head, problems } = run.deferred();
  return { ok: problems.length === 0, entries, head, problems };
}
