// Issue 7 defect 11: every file on a volume is ingested or reported by its exact name, whatever
// its bytes (non-UTF-8 names, dot-files, names too long to open).
// Issue 7 defect 12: the resume shortcut skips a file only on evidence its content is the recorded one.
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { ingestVolume } from '../../src/ingest/ingest-volume.js';
import { mayShortcut } from '../../src/ingest/resume.js';
import { escapeName, unescapeName, needsRaw } from '../../src/util/raw-name.js';
import { runDockSession } from '../../src/session/dock-session.js';
import { directoryVolume } from '../../src/ingest/directory-volume.js';
import { PROFILES, ctxOf, station, type Station } from './dock-helpers.js';
import { objectPath } from '../helpers/volumes.js';

const stations: Station[] = [];
afterEach(() => { for (const s of stations.splice(0)) s.close(); });
const open = () => { const s = station(); stations.push(s); return s; };
const generic = PROFILES.find((p) => p.name === 'generic')!;
const WIPING = PROFILES.map((p) => ({ ...p, wipe: 'afterVerify' as const }));
const b = (s: string) => Buffer.from(s, 'latin1');

/** Writes a file by raw path bytes under root; returns its content hash. */
function putRaw(root: string, rel: Buffer, size = 3000): string {
  const abs = Buffer.concat([Buffer.from(root + '/'), rel]);
  const dir = abs.subarray(0, abs.lastIndexOf(0x2f));
  fs.mkdirSync(dir, { recursive: true });
  const body = crypto.randomBytes(size);
  fs.writeFileSync(abs, body);
  return crypto.createHash('sha256').update(body).digest('hex');
}

describe('raw names (pure)', () => {
  it.each([
    [b('DCIM/100MEDIA/a.MP4'), 'DCIM/100MEDIA/a.MP4', false],
    [Buffer.from('DCIM/视频/a.MP4'), 'DCIM/视频/a.MP4', false],
    [b('\xff.MP4'), '\\xff.MP4', true],
    [b('DCIM/\xfe/x.MP4'), 'DCIM/\\xfe/x.MP4', true],
    [b('back\\slash.MP4'), 'back\\\\slash.MP4', true],
    [b('\xc3\x28.JPG'), '\\xc3(.JPG', true], // a lead byte without its continuation
  ])('%j → %s', (raw, text, raw2) => {
    expect(escapeName(raw)).toBe(text);
    expect(unescapeName(text).equals(raw)).toBe(true);
    expect(needsRaw(raw, text)).toBe(raw2);
  });
  it('never maps two names to one text', () => {
    expect(escapeName(b('\\xff.MP4'))).not.toBe(escapeName(b('\xff.MP4')));
  });
});

describe('every file is ingested or reported by its exact name', () => {
  it('ingests non-UTF-8 names and directories, dot-files and dot-directories; reports a path too long', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    fs.mkdirSync(cam);
    fs.writeFileSync(path.join(cam, 'DEVICE.ID'), 'serial=RAW0001\nbadge=000001\n');
    const want = new Map<string, string>();
    const add = (raw: Buffer) => want.set(escapeName(raw), putRaw(cam, raw));
    add(b('DCIM/100MEDIA/\xff.MP4'));
    add(b('DCIM/100MEDIA/\xfe.MP4')); // decoded to U+FFFD both would collide
    for (let i = 1; i <= 5; i++) add(b(`DCIM/\xfe/CLIP${i}.MP4`));
    add(b('DCIM/100MEDIA/.hidden.MP4'));
    add(b('DCIM/.thumbs/T0001.JPG'));
    // A path longer than PATH_MAX (4096) below the root: listed, but cannot be opened by path.
    let deep = 'DCIM/LONG';
    while (deep.length < 4200) deep += `/${'d'.repeat(200)}`;
    // mkdir of a path this long fails by path; build it step by step with chdir.
    const cwd = process.cwd();
    try {
      process.chdir(cam);
      for (const part of deep.split('/')) { if (!fs.existsSync(part)) fs.mkdirSync(part); process.chdir(part); }
      fs.writeFileSync('LONG.MP4', 'x');
    } finally { process.chdir(cwd); }

    const sum = await ingestVolume({ root: cam, profile: generic, config: s.config }, s);
    const recs = s.custody.listRecordings();
    expect(new Map(recs.map((r) => [r.sourcePath, r.sha256]))).toEqual(want);
    for (const [, sha] of want) expect(fs.existsSync(objectPath(s.dataDir, sha))).toBe(true);
    expect(sum.stored).toBe(want.size);
    // The directory whose path passes PATH_MAX is reported with that reason (not "disappeared").
    const long = sum.errors.filter((e) => e.path.startsWith('DCIM/LONG'));
    expect(long).toEqual([expect.objectContaining({ code: 'name-too-long', message: expect.stringMatching(/ENAMETOOLONG/) })]);
    expect(sum.files).toBe(want.size + 1);
    expect(sum.failed).toBe(1);
    // The raw bytes are kept beside the escaped name.
    const db = new Database(s.custody.file, { readonly: true });
    const raw = db.prepare("SELECT source_path AS p, source_path_raw AS r FROM recordings WHERE source_path LIKE '%\\xff%'").get() as { p: string; r: Buffer };
    db.close();
    expect(raw.r.equals(b('DCIM/100MEDIA/\xff.MP4'))).toBe(true);
    fs.rmSync(path.join(cam, 'DCIM/LONG'), { recursive: true, force: true });
  });

  it('wipes a non-UTF-8 name by its raw bytes', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    fs.mkdirSync(cam);
    fs.writeFileSync(path.join(cam, 'DEVICE.ID'), 'serial=RAW0002\nbadge=000002\n');
    putRaw(cam, b('DCIM/100MEDIA/\xff.MP4'));
    putRaw(cam, b('DCIM/\xfe/A.MP4'));
    const r = await runDockSession(await directoryVolume(cam), ctxOf(s, WIPING), s, { profileName: 'generic' });
    expect(r.wipe && 'deleted' in r.wipe ? r.wipe.deleted.sort() : r.wipe).toEqual(['DCIM/100MEDIA/\\xff.MP4', 'DCIM/\\xfe/A.MP4']);
    expect(fs.readdirSync(Buffer.from(path.join(cam, 'DCIM/100MEDIA')), { encoding: 'buffer' })).toEqual([]);
  });
});

describe('resume shortcut', () => {
  it.each([
    ['DEV1', ['a'], 'a', true],
    ['DEV1', ['a'], 'b', false],
    ['DEV1', [], 'a', false],
    ['DEV1', ['a'], undefined, false],
    ['UNKNOWN', ['a'], 'a', false],
  ] as const)('device %s, recorded %j, camera %s → %s', (dev, rec, cam, want) => {
    expect(mayShortcut(dev, rec, cam)).toBe(want);
  });

  it('copies a file replaced by other bytes of the same size and mtime; skips the unchanged ones', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    fs.mkdirSync(cam);
    fs.writeFileSync(path.join(cam, 'DEVICE.ID'), 'serial=RES0001\nbadge=000001\n');
    const names = ['IMG_0001.JPG', 'IMG_0002.JPG', 'MOV_0001.MP4'].map((n) => `DCIM/100MEDIA/${n}`);
    const epoch = new Date('2000-01-01T00:00:00Z'); // a camera whose clock reset
    for (const n of names) { putRaw(cam, Buffer.from(n), 3 << 20); fs.utimesSync(path.join(cam, n), epoch, epoch); }
    const first = await ingestVolume({ root: cam, profile: generic, config: s.config }, s);
    expect(first.stored).toBe(3);
    // Numbering restarted: new bytes under the same name, size and mtime.
    const newSha = putRaw(cam, Buffer.from(names[0]!), 3 << 20);
    fs.utimesSync(path.join(cam, names[0]!), epoch, epoch);
    const second = await ingestVolume({ root: cam, profile: generic, config: s.config }, s);
    expect(second).toMatchObject({ alreadyRecorded: 2, stored: 1, status: 'complete' });
    expect(s.custody.findRecording('RES0001', names[0]!).map((r) => r.sha256)).toContain(newSha);
  });

  it('never takes the shortcut for an unidentified camera (device UNKNOWN)', async () => {
    const s = open();
    const cam = path.join(s.dir, 'cam');
    fs.mkdirSync(cam);
    putRaw(cam, Buffer.from('DCIM/100MEDIA/IMG_0001.JPG'));
    const first = await ingestVolume({ root: cam, profile: generic, config: s.config }, s);
    expect(first).toMatchObject({ device: 'UNKNOWN', stored: 1 });
    const second = await ingestVolume({ root: cam, profile: generic, config: s.config }, s);
    expect(second).toMatchObject({ alreadyRecorded: 1, stored: 0 }); // copied and hashed, then found committed
  });
});
