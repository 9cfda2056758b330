// Hostile and unstable volumes: every bad entry is one clear error; every other file still lands.
import { describe, it, expect, afterEach } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { openCustody } from '../../src/custody/index.js';
import { ObjectStore } from '../../src/store/index.js';
import { createLogger, flushLogger } from '../../src/util/logger.js';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';
import { tempDir, makeRandomVolume, listTemps } from '../helpers/volumes.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true }); });

function setup() {
  const dir = tempDir('hostile');
  dirs.push(dir);
  const dataDir = path.join(dir, 'data');
  const custody = openCustody(dataDir);
  const store = new ObjectStore(path.join(dataDir, 'store'));
  const logger = createLogger({ dataDir, console: false });
  return { dir, dataDir, custody, store, logger };
}
const config = { timezone: 'local', devices: [] };

describe('hostile entries', () => {
  it('symlinks, FIFOs, ".." names: one error each, the rest ingested', async () => {
    const { dir, dataDir, custody, store, logger } = setup();
    const cam = path.join(dir, 'cam');
    const good = makeRandomVolume(cam, { sizes: [1000, 2000, 3000] });
    const media = path.join(cam, 'DCIM/100MEDIA');
    fs.symlinkSync('/etc/shadow', path.join(media, '20261126_090000_TST0001_000123_0010.JPG'));
    spawnSync('mkfifo', [path.join(media, '20261126_090100_TST0001_000123_0011.JPG')]);
    fs.writeFileSync(path.join(media, 'x..y.JPG'), 'sneaky');
    const s = await ingestVolume({ root: cam, profile: GENERIC_PROFILE, config }, { custody, store, logger });
    expect(s.stored).toBe(3);
    expect(s.failed).toBe(3);
    expect(s.errors.map((e) => e.code).sort()).toEqual(['bad-name', 'fifo', 'symlink']);
    for (const e of s.errors) expect(e.message).toContain(e.path);
    expect(custody.listRecordings().map((r) => r.sourcePath).sort()).toEqual(good.sort());
    custody.close();
    await flushLogger(logger);
    const log = fs.readFileSync(path.join(dataDir, 'logs/evidock.log'), 'utf8');
    expect(log).toContain('x..y.JPG');
    expect(log).toContain('is a fifo');
  });

  it('a file that vanishes and one that changes during the copy are reported; others land', async () => {
    const { dir, custody, store, logger } = setup();
    const cam = path.join(dir, 'cam');
    const rels = makeRandomVolume(cam, { sizes: [64 << 20, 5000, 6000, 7000] });
    const [growing, , vanishing] = rels as [string, string, string, string];
    let appender: NodeJS.Timeout | undefined;
    const s = await ingestVolume({
      root: cam, profile: GENERIC_PROFILE, config,
      onProgress: (p) => {
        if (p.file === growing && !appender) {
          // The camera keeps writing while we copy: append as soon as the copy is under way.
          let n = 0;
          appender = setInterval(() => {
            fs.appendFileSync(path.join(cam, growing), 'more');
            if (++n >= 100) clearInterval(appender);
          }, 1);
        }
        if (p.file === rels[1]) fs.rmSync(path.join(cam, vanishing));
      },
    }, { custody, store, logger });
    clearInterval(appender);
    const codes = Object.fromEntries(s.errors.map((e) => [e.path, e.code]));
    expect(codes).toEqual({ [growing]: 'changed', [vanishing]: 'vanished' });
    expect(s.stored).toBe(2);
    expect(custody.listRecordings().map((r) => r.sourcePath).sort()).toEqual([rels[1], rels[3]].sort());
    expect(listTemps(path.join(dir, 'data'))).toEqual([]);
    expect(custody.listObjects()).toHaveLength(2);
    custody.close();
    await flushLogger(logger);
  });
});
