// Fault: the store's disk fails mid-session (EIO: the ext4 shutdown ioctl under the store, see
// store-fs.ts). Expected: the session ends `interrupted` with a critical alert, nothing is
// half-committed (every recording's object is on the disk and right), the camera is untouched.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore } from '../../src/store/index.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { PROFILES, station, type Station } from '../ingest/dock-helpers.js';
import { makeStoreFs, missingForStoreFs, type StoreFs } from './store-fs.js';

const generic = PROFILES.find((p) => p.name === 'generic')!;
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => { for (const c of cleanups.splice(0).reverse()) await c(); });
const sha = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');

describe('store EIO', () => {
  it('interrupts the session with a critical alert; nothing half-committed; camera untouched', async () => {
    const missing = missingForStoreFs();
    if (missing) { console.log(`skip store EIO fault test: ${missing}`); return; }
    const s: Station = station({ storage: { minFreeGiB: 0 } });
    cleanups.push(() => s.close());
    const sfs: StoreFs = await makeStoreFs(s.dir, 128);
    cleanups.push(() => sfs.close());
    const store = new ObjectStore(path.join(sfs.mnt, 'store'));

    const cam = path.join(s.dir, 'cam');
    fs.mkdirSync(path.join(cam, 'DCIM/100MEDIA'), { recursive: true });
    fs.writeFileSync(path.join(cam, 'DEVICE.ID'), 'serial=EIO0001\nbadge=000001\n');
    const files = new Map<string, string>();
    for (let i = 1; i <= 24; i++) {
      const body = crypto.randomBytes(1 << 20);
      const rel = `DCIM/100MEDIA/IMG_${String(i).padStart(4, '0')}.JPG`;
      fs.writeFileSync(path.join(cam, rel), body);
      files.set(rel, sha(body));
    }
    let switched = false;
    let committedAtFault = 0;
    const sum = await ingestVolume({
      root: cam, profile: generic, config: s.config,
      onProgress: (p) => {
        if (!switched && p.index >= 10) {
          switched = true;
          committedAtFault = s.custody.listRecordings().length;
          sfs.fail();
        }
      },
    }, { ...s, store });
    expect(switched).toBe(true);
    expect(sum.status).toBe('interrupted');
    expect(s.custody.getSession(sum.session)?.status).toBe('interrupted');
    expect(s.custody.listAlerts({ sessionId: sum.session }).filter((a) => a.severity === 'critical'))
      .toEqual([expect.objectContaining({ kind: 'store-failed' })]);

    // Back to a working disk, remounted so nothing is served from the page cache.
    sfs.remount();
    const recs = s.custody.listRecordings();
    for (const r of recs) {
      expect(files.get(r.sourcePath)).toBe(r.sha256);
      expect(await store.verifyObject(r.sha256, r.size)).toBe('ok');
    }
    const dup = recs.length - new Set(recs.map((r) => r.sourcePath)).size;
    // Camera untouched.
    for (const [rel, h] of files) expect(sha(fs.readFileSync(path.join(cam, rel)))).toBe(h);
    expect(recs.length).toBeLessThan(files.size);
    console.log(`FAULT-SUMMARY ${JSON.stringify({ kind: 'store-eio', rounds: 1, landedMidCopy: committedAtFault < files.size ? 1 : 0, lost: 0, duplicated: dup })}`);
  });
});
