// A session's owner is a pid plus its start time: a dead owner's pid given to another process
// must not keep the session 'running' (issue 7, defect 5).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { openCustody, type Custody } from '../../src/custody/index.js';
import { parseStatStartTime, processStartTime } from '../../src/util/proc.js';
import { tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
let custody: Custody;
let other: ChildProcess | undefined;
beforeEach(() => { tmp = tempDir(); custody = openCustody(tmp.dir); });
afterEach(() => { custody.close(); other?.kill('SIGKILL'); other = undefined; tmp.cleanup(); });

function runningSession(): number {
  custody.upsertDevice({ serial: 'OWN0001', profile: 'generic', inRoster: false });
  return custody.startSession({ deviceSerial: 'OWN0001', profile: 'generic', sourcePath: '/media/OWN0001' });
}

/** Rewrites the session's owner as if another process had started it (what a crash leaves behind). */
function setOwner(id: number, pid: number, start: string | null | undefined): void {
  const db = new Database(path.join(tmp.dir, 'custody.db'));
  try {
    const cols = (db.prepare('PRAGMA table_info(dock_sessions)').all() as { name: string }[]).map((c) => c.name);
    if (cols.includes('owner_start')) db.prepare('UPDATE dock_sessions SET owner_pid = ?, owner_token = NULL, owner_start = ? WHERE id = ?').run(pid, start ?? null, id);
    else db.prepare('UPDATE dock_sessions SET owner_pid = ?, owner_token = NULL WHERE id = ?').run(pid, id);
  } finally { db.close(); }
}

const liveProcess = (): ChildProcess => {
  other = spawn('sleep', ['60'], { stdio: 'ignore' });
  return other;
};

describe('session owners', () => {
  it('a live pid that started at another time than the owner does not keep the session running', () => {
    const id = runningSession();
    const p = liveProcess();
    // The owner was a process with this pid that started at boot tick 1: long gone.
    setOwner(id, p.pid!, '1');
    expect(custody.markInterruptedSessions()).toEqual([id]);
    expect(custody.getSession(id)?.status).toBe('interrupted');
    const entry = custody.listAudit({ event: 'dock.session.interrupted' })[0];
    expect(entry?.payload).toMatchObject({ sessionId: id, ownerPid: p.pid, ownerStart: '1' });
  });

  it('the owner itself (same pid, same start time) keeps its session', () => {
    const id = runningSession();
    const p = liveProcess();
    setOwner(id, p.pid!, processStartTime(p.pid!));
    expect(custody.markInterruptedSessions()).toEqual([]);
    expect(custody.getSession(id)?.status).toBe('running');
  });

  it('this process\'s own sessions stay running', () => {
    const id = runningSession();
    expect(custody.markInterruptedSessions()).toEqual([]);
    expect(custody.getSession(id)?.status).toBe('running');
  });
});

describe('parseStatStartTime', () => {
  it.each([
    ['plain', '1234 (node) S 1 1234 1234 0 -1 4194560 100 0 0 0 5 3 0 0 20 0 11 0 987654 1000000 5000', '987654'],
    ['a comm with spaces and parentheses', '42 (a) b) (c) R 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 555 1 1', '555'],
    ['truncated', '42 (x) R 1 2', undefined],
    ['no comm', 'garbage', undefined],
  ])('%s', (_n, line, want) => expect(parseStatStartTime(line)).toBe(want));

  it('reads this process', () => expect(processStartTime(process.pid)).toMatch(/^\d+$/));
});
