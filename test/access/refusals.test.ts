// The refusal matrix of issue 13 through the real CLI: each refusal exits 4, says what was refused
// and why, and leaves an `access.refused` audit entry naming the reason. Recordings are real
// (a simulated camera ingested through `evidock ingest`).
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeStation, ok, request, type Station } from './fixture.js';
import type { CliResult } from '../helpers/cli.js';

let st: Station;
beforeAll(() => { st = makeStation('access-refusals'); });
afterAll(() => st.cleanup());

/** Changes custody behind evidock's back, as the passage of time or a retention purge would. */
function sql(statements: string): void {
  const db = new Database(path.join(st.dataDir, 'custody.db'));
  try { db.exec(statements); } finally { db.close(); }
}

interface Case {
  name: string;
  code: string;
  message: RegExp;
  /** Sets the scene and runs the command that must be refused. */
  run: () => CliResult;
}

const video = () => st.byKind('video').id;
const photo = () => st.byKind('photo').id;

const cases: Case[] = [
  {
    name: 'self-approval (the requester is a head)', code: 'self-approval', message: /approve request \d+ refused: .*own.*four eyes/,
    run: () => st.as('000789', ['access', 'approve', String(request(st, '000789', [video()], 'copy'))]),
  },
  {
    name: 'approver of another unit', code: 'other-unit', message: /unit 350200000000.*unit 350100000000/,
    run: () => st.as('000555', ['access', 'approve', String(request(st, '000123', [video()], 'copy'))]),
  },
  {
    name: 'approver without the role (custodian)', code: 'no-role', message: /only a unit head or an admin/,
    run: () => st.as('000456', ['access', 'approve', String(request(st, '000123', [video()], 'copy'))]),
  },
  {
    name: 'rejecter without the role (officer)', code: 'no-role', message: /reject request \d+ refused/,
    run: () => st.as('000124', ['access', 'reject', String(request(st, '000123', [video()], 'copy')), '--reason', 'no']),
  },
  {
    name: 'export under a pending request', code: 'pending', message: /not approved yet/,
    run: () => st.as('000123', ['export', String(request(st, '000123', [video()], 'copy')), '--to', path.join(st.dir, 'x-pending')]),
  },
  {
    name: 'export under an expired grant', code: 'expired', message: /has expired/,
    run: () => {
      const id = request(st, '000123', [video()], 'copy');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      sql(`UPDATE access_requests SET expires_at = '2026-01-01T00:00:00.000Z' WHERE id = ${id}`); // time has passed
      return st.as('000123', ['export', String(id), '--to', path.join(st.dir, 'x-expired')]);
    },
  },
  {
    name: 'view under a revoked grant', code: 'revoked', message: /was revoked/,
    run: () => {
      const id = request(st, '000123', [video()], 'view');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      ok(st.as('000789', ['access', 'revoke', String(id), '--reason', 'case closed']));
      return st.as('000123', ['view', String(id), String(video())]);
    },
  },
  {
    name: 'export under a rejected request', code: 'rejected', message: /was rejected/,
    run: () => {
      const id = request(st, '000123', [video()], 'copy');
      ok(st.as('000790', ['access', 'reject', String(id), '--reason', '理由不足']));
      return st.as('000123', ['export', String(id), '--to', path.join(st.dir, 'x-rejected')]);
    },
  },
  {
    name: 'a recording outside the grant', code: 'outside-grant', message: /recording \d+ is not in request \d+/,
    run: () => {
      const id = request(st, '000123', [video()], 'view');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      return st.as('000123', ['view', String(id), String(photo())]);
    },
  },
  {
    name: 'export by someone other than the requester', code: 'not-requester', message: /only the requester may export/,
    run: () => {
      const id = request(st, '000123', [video()], 'copy');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      return st.as('000124', ['export', String(id), '--to', path.join(st.dir, 'x-other')]);
    },
  },
  {
    name: 'export by the approver', code: 'not-requester', message: /only the requester may export/,
    run: () => {
      const id = request(st, '000123', [video()], 'copy');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      return st.as('000789', ['export', String(id), '--to', path.join(st.dir, 'x-approver')]);
    },
  },
  {
    name: 'a view grant used for export', code: 'view-grant-for-export', message: /grants viewing only/,
    run: () => {
      const id = request(st, '000123', [video()], 'view');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      return st.as('000123', ['export', String(id), '--to', path.join(st.dir, 'x-viewgrant')]);
    },
  },
  {
    name: 'a second export under a used copy grant', code: 'used', message: /already used/,
    run: () => {
      const id = request(st, '000123', [photo()], 'copy');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      ok(st.as('000123', ['export', String(id), '--to', path.join(st.dir, 'x-used-1')]));
      return st.as('000123', ['export', String(id), '--to', path.join(st.dir, 'x-used-2')]);
    },
  },
  {
    // Runs last: the purge removes the audio recording for good.
    name: 'a purged recording', code: 'purged', message: /has been purged/,
    run: () => {
      const audio = st.byKind('audio').id;
      const id = request(st, '000123', [audio], 'view');
      ok(st.as('000789', ['access', 'approve', String(id)]));
      // What retention's purge does to the row (its own migration will give it an audited path).
      sql(`DROP TRIGGER recordings_no_delete; DELETE FROM recordings WHERE id = ${audio};`);
      return st.as('000123', ['view', String(id), String(audio)]);
    },
  },
];

describe('access refusals: exit 4, a clear message, audited', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const before = st.accessAudit().filter((e) => e.event === 'access.refused').length;
    const r = c.run();
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(4);
    expect(r.stderr).toMatch(c.message);
    const refused = st.accessAudit().filter((e) => e.event === 'access.refused');
    expect(refused).toHaveLength(before + 1);
    expect(refused.at(-1)!.payload).toMatchObject({ code: c.code });
    // the audited reason is the one the person was shown
    expect(r.stderr).toContain(String(refused.at(-1)!.payload.reason));
  });

  it('made no export directory for any refused export', async () => {
    const fs = await import('node:fs');
    for (const d of ['x-pending', 'x-expired', 'x-rejected', 'x-other', 'x-approver', 'x-viewgrant', 'x-used-2']) {
      const p = path.join(st.dir, d);
      expect(fs.existsSync(p) ? fs.readdirSync(p) : [], d).toEqual([]);
    }
  });

  it('refuses a second decision on the same request', () => {
    const id = request(st, '000123', [photo()], 'view');
    ok(st.as('000789', ['access', 'approve', String(id)]));
    const r = st.as('000790', ['access', 'reject', String(id), '--reason', 'late']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/is approved, not pending/);
  });

  it('refuses --as with a badge not in the roster', () => {
    const r = st.as('999999', ['access', 'list']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/not an active officer in the roster/);
    expect(st.accessAudit().at(-1)).toMatchObject({ event: 'access.refused', payload: { code: 'not-in-roster' } });
  });
});
