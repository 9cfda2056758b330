// The service on a real custody database with an injected clock: grant length from
// access.defaultHours, expiry as time passes, and a grant revoked while an export was being made.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/store/index.js';
import { cases, openCustody, type Custody } from '../../src/custody/index.js';
import { NotPermittedError } from '../../src/access/errors.js';
import { rosterFromConfig } from '../../src/access/roster.js';
import {
  approveAccess, authorizeUse, listAccess, recordingsOfCase, recordUse, requestAccess, revokeAccess, type AccessDeps,
} from '../../src/access/service.js';
import type { Actor } from '../../src/access/types.js';
import { sha, tempDir } from '../custody/helpers.js';

const UNIT = '350100000000';
const requester: Actor = { badge: '000123', osUser: 'zhang', roles: ['officer'], unit: UNIT };
const head: Actor = { badge: '000789', osUser: 'wang', roles: ['head'], unit: UNIT };

let tmp: ReturnType<typeof tempDir>;
let custody: Custody;
let clock: Date;
let deps: AccessDeps;
let recs: number[];

beforeEach(() => {
  tmp = tempDir();
  clock = new Date('2026-12-01T08:00:00.000Z');
  custody = openCustody(tmp.dir, { now: () => clock });
  custody.upsertDevice({ serial: 'CAM0001', profile: 'generic', inRoster: true });
  recs = [1, 2].map((n) => custody.commitRecording({
    sessionId: null, deviceSerial: 'CAM0001', badge: '000123', sourcePath: `DCIM/${n}.MP4`, size: 10, mtimeMs: 0, sha256: sha(n),
    recordedStart: '2026-12-01T07:00:00.000Z', startSource: 'filename', mediaKind: 'video',
  }).recordingId);
  deps = {
    custody, store: ObjectStore.forDataDir(tmp.dir), dataDir: tmp.dir, station: { code: UNIT, name: 'unit' },
    roster: rosterFromConfig({ unit: { code: UNIT, name: 'unit' }, officers: [] }),
    settings: { defaultHours: 6, maxHours: 48 },
  };
});
afterEach(() => { custody.close(); tmp.cleanup(); });

const refusal = (fn: () => unknown): NotPermittedError => {
  try { fn(); } catch (e) { if (e instanceof NotPermittedError) return e; throw e; }
  throw new Error('expected a refusal');
};

describe('access service', () => {
  it('grants for access.defaultHours and refuses once they have passed', () => {
    const req = requestAccess(deps, requester, { recordings: recs, purpose: 'review', kind: 'copy' });
    const ok = approveAccess(deps, head, req.id);
    expect(ok.expiresAt).toBe('2026-12-01T14:00:00.000Z');
    clock = new Date('2026-12-01T13:59:59.000Z');
    expect(authorizeUse(deps, requester, req.id, 'export').recordings.map((r) => r.id)).toEqual(recs);
    clock = new Date('2026-12-01T14:00:00.000Z');
    expect(refusal(() => authorizeUse(deps, requester, req.id, 'export')).code).toBe('expired');
    expect(listAccess(deps, requester, { mine: true })[0]).toMatchObject({ status: 'expired' });
    expect(custody.listAccessAudit().at(-1)).toMatchObject({ event: 'access.refused', payload: { code: 'expired', request: req.id } });
  });

  it('refuses to record an export whose grant was revoked while the copies were being made', () => {
    const req = requestAccess(deps, requester, { recordings: recs, purpose: 'review', kind: 'copy' });
    approveAccess(deps, head, req.id);
    const grant = authorizeUse(deps, requester, req.id, 'export'); // the export starts...
    revokeAccess(deps, head, req.id, 'wrong case'); // ...and the head revokes meanwhile
    expect(refusal(() => recordUse(deps, requester, grant, 'export', {})).code).toBe('revoked');
    expect(custody.getAccessRequest(req.id)).toMatchObject({ status: 'revoked', usedAt: null });
    expect(custody.listAccessAudit().map((e) => e.event)).toEqual(['access.request', 'access.approve', 'access.revoke', 'access.refused']);
  });

  it('keeps who asked for what: the request row cannot be rewritten or deleted', () => {
    const req = requestAccess(deps, requester, { recordings: recs, purpose: 'review', kind: 'view' });
    custody.close();
    const db = new Database(`${tmp.dir}/custody.db`);
    try {
      expect(() => db.prepare('UPDATE access_requests SET requester = ? WHERE id = ?').run('000999', req.id)).toThrow(/immutable/);
      expect(() => db.prepare('DELETE FROM access_requests WHERE id = ?').run(req.id)).toThrow(/never deleted/);
      expect(() => db.prepare('DELETE FROM access_request_recordings WHERE request_id = ?').run(req.id)).toThrow(/never change/);
    } finally { db.close(); }
    custody = openCustody(tmp.dir, { now: () => clock });
  });

  it('refuses hours beyond access.maxHours and recordings of two units in one request', () => {
    expect(() => requestAccess(deps, requester, { recordings: recs, purpose: 'x', kind: 'view', hours: 49 })).toThrow(/maxHours/);
    const split = { ...deps, roster: { unitOfBadge: (b: string | null) => (b === '000123' ? UNIT : 'OTHER'), nameOf: () => undefined } };
    custody.commitRecording({
      sessionId: null, deviceSerial: 'CAM0001', badge: '000999', sourcePath: 'DCIM/3.MP4', size: 10, mtimeMs: 0, sha256: sha(3),
      recordedStart: '2026-12-01T07:00:00.000Z', startSource: 'filename', mediaKind: 'video',
    });
    expect(() => requestAccess(split, requester, { recordings: [...recs, 3], purpose: 'x', kind: 'view' })).toThrow(/one request per unit/);
  });

  it('--case takes the recordings the case register links to the case', () => {
    expect(() => recordingsOfCase(deps, 'A-1')).toThrow(/no such case/);
    const ctx = custody.ctx();
    cases.openCase(ctx, 'A-1', 't');
    cases.openCase(ctx, 'A-2', 't');
    cases.linkRecordings(ctx, 'A-1', [2], '调查');
    cases.linkRecordings(ctx, 'A-1', [2], '取证');
    cases.linkRecordings(ctx, 'A-1', [1], '决定');
    expect(recordingsOfCase(deps, 'A-1')).toEqual([1, 2]);
    expect(() => recordingsOfCase(deps, 'A-2')).toThrow(/no recordings are linked/);
    expect(() => recordingsOfCase(deps, 'B-9')).toThrow(/no such case/);
  });
});
