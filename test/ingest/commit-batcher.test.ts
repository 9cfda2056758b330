import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { openCustody } from '../../src/custody/index.js';
import { CommitBatcher } from '../../src/ingest/commit-batcher.js';
import { Mutex } from '../../src/util/mutex.js';
import { tempDir } from '../helpers/volumes.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

const input = (session: number, i: number, serial = 'BATCH01') => ({
  sessionId: session, deviceSerial: serial, badge: '000001', sourcePath: `DCIM/${i}.JPG`, size: 10 + i, mtimeMs: 0,
  sha256: i.toString(16).padStart(64, '0'), recordedStart: '2026-11-26T00:00:00Z', startSource: 'filename' as const, mediaKind: 'photo' as const,
});

describe('CommitBatcher', () => {
  it('commits many recordings in few transactions, each with its audit entry; a bad one fails alone', async () => {
    const dir = tempDir('batch'); dirs.push(dir);
    const custody = openCustody(path.join(dir, 'data'));
    custody.upsertDevice({ serial: 'BATCH01', profile: 'generic', inRoster: true });
    const session = custody.startSession({ deviceSerial: 'BATCH01', profile: 'generic', sourcePath: '/x' });
    const b = new CommitBatcher(custody, 16, 5);
    const good = Array.from({ length: 40 }, (_, i) => b.commit(input(session, i)));
    const bad = b.commit(input(session, 99, 'NOSUCH1')); // device never registered
    const results = await Promise.all(good);
    await expect(bad).rejects.toThrow();
    expect(results.every((r) => !r.duplicate)).toBe(true);
    expect(custody.listRecordings()).toHaveLength(40);
    expect(custody.listAudit({ event: 'recording.commit' })).toHaveLength(40);
    expect(custody.verifyAuditChain().ok).toBe(true);
    custody.close();
  });
});

describe('Mutex', () => {
  it('lets one holder in at a time, in order', async () => {
    const m = new Mutex();
    const log: string[] = [];
    await Promise.all([1, 2, 3].map(async (n) => {
      const release = await m.lock();
      log.push(`in ${n}`);
      await new Promise((r) => setTimeout(r, 5));
      log.push(`out ${n}`);
      release();
    }));
    expect(log).toEqual(['in 1', 'out 1', 'in 2', 'out 2', 'in 3', 'out 3']);
  });
});
