// The disc archive end to end through the CLI: real recordings (ffmpeg-made and random) ingested
// into the store, classified major, built into a BagIt ISO by xorriso, verified by evidock, by
// xorriso and by an independent BagIt validator; its signed checkpoint checked with the openssl CLI
// alone; a copy with one payload byte changed fails, naming the file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runCli } from '../helpers/cli.js';
import { makeRandomVolume, tempDir, writeConfig } from '../helpers/volumes.js';
import { createCameraVolume } from '../../src/sim/index.js';
import { fileExtents } from '../../src/archive/xorriso.js';
import { OPENSSL_VERIFY } from '../../src/archive/checkpoint.js';
import { noBagitValidator, validateBag } from '../helpers/bagit.js';
import { missingTools, skipTest, skipUnless } from '../helpers/require.js';


let dir: string;
let cfg: { file: string; dataDir: string };
const cli = (...args: string[]) => runCli(['--config', cfg.file, ...args]);
const json = <T>(r: { code: number; stdout: string; stderr: string }): T => {
  if (r.code !== 0 && r.code !== 3) throw new Error(`exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
};

interface Built { volume: string; image: string; sha256: string; files: number; bytes: number }
let built: Built[];
let ids: number[];

describe.skipIf(skipUnless('archive (xorriso)', missingTools(['xorriso'])))('archive', () => {
  beforeAll(async () => {
    dir = tempDir('archive');
    cfg = writeConfig(dir, 'unit: {code: "330100000001", name: "某某市场监督管理局"}\narchive: {station: "station-7"}\n');
    const cam = path.join(dir, 'cam1');
    await createCameraVolume(cam, { clips: 1, seconds: 1, photos: 1, serial: 'SIM0001', badge: '000123', start: '2026-11-26T08:00:00+08:00' });
    expect(cli('ingest', cam, '--json').code).toBe(0);
    const cam2 = path.join(dir, 'cam2');
    makeRandomVolume(cam2, { serial: 'TST0002', sizes: [300_000, 5_000] });
    expect(cli('ingest', cam2, '--json').code).toBe(0);
    ids = json<{ id: number }[]>(cli('recordings', 'list', '--json')).map((r) => r.id).sort((a, b) => a - b);
    expect(ids.length).toBeGreaterThanOrEqual(4);
    expect(cli('case', 'open', 'ZD-2026-9', '--title', '群体性事件').code).toBe(0);
    expect(cli('classify', String(ids[0]), String(ids[2]), '--category', 'major', '--case', 'ZD-2026-9', '--importance', '5').code).toBe(0);
  });
  afterAll(() => { if (dir) fs.rmSync(dir, { recursive: true, force: true }); });

  it('plans the major recordings (and any asked for) into volumes', () => {
    const plan = json<{ volume: number; recordings: number[] }[]>(cli('archive', 'plan', '--recordings', String(ids[3]), '--json'));
    expect(plan).toHaveLength(1);
    expect([...plan[0]!.recordings].sort()).toEqual([ids[0], ids[2], ids[3]].sort());
    expect(cli('archive', 'plan', '--media', 'floppy').code).toBe(2);
  });

  it('builds a verified BagIt ISO from the stored objects and records the disc', () => {
    built = json<Built[]>(cli('archive', 'build', '--json'));
    expect(built).toHaveLength(1);
    const b = built[0]!;
    expect(b.volume).toMatch(/^EVIDOCK_\d{8}_01$/);
    expect(fs.existsSync(b.image)).toBe(true);
    expect(b.sha256).toBe(spawnSync('sha256sum', [b.image], { encoding: 'utf8' }).stdout.slice(0, 64));
    const discs = json<{ label: string; recordingIds: number[]; burnedAt: string | null; imageSha256: string }[]>(cli('archive', 'list', '--json'));
    expect(discs).toEqual([expect.objectContaining({ label: b.volume, imageSha256: b.sha256, burnedAt: null, recordingIds: [ids[0], ids[2]].sort() })]);
    // On an image but not yet burned and verified: still blocks nothing-but-major, which is kept anyway.
    const plan = json<{ recordingId: number; blockedBy: string[] }[]>(cli('retention', 'plan', '--json'));
    expect(plan.find((e) => e.recordingId === ids[0])?.blockedBy).toEqual(['case ZD-2026-9 open', `no verified disc (on image ${b.volume}, not burned and verified)`]);
    // Nothing left to archive.
    expect(json<unknown[]>(cli('archive', 'plan', '--json'))).toEqual([]);
  });

  const extract = (image: string, out: string) => {
    fs.rmSync(out, { recursive: true, force: true });
    const ex = spawnSync('xorriso', ['-osirrox', 'on', '-indev', image, '-extract', '/', out], { encoding: 'utf8' });
    expect(ex.status, ex.stderr).toBe(0);
    return out;
  };

  it('verifies with evidock and xorriso; the bag extracted from the ISO validates with an independent BagIt validator', async (ctx) => {
    const b = built[0]!;
    const v = json<{ ok: boolean; files: number; bad: unknown[] }>(cli('archive', 'verify', b.image, '--json'));
    expect(v).toEqual({ ok: true, files: b.files, bad: [] }); // every file on the disc, as build counted them
    expect(b.files).toBe(14);
    const x = spawnSync('xorriso', ['-md5', 'on', '-indev', b.image, '-check_md5_r', 'sorry', '/', '--'], { encoding: 'utf8' });
    expect(`${x.stdout}${x.stderr}`).toMatch(/File contents and their MD5 checksums match/);

    const out = extract(b.image, path.join(dir, 'extracted'));
    const names = fs.readdirSync(out).sort();
    expect(names).toEqual(['README.txt', 'bag-info.txt', 'bagit.txt', 'data', 'index.csv', 'index.html', 'manifest-sha256.txt', 'tagmanifest-sha256.txt']);
    const info = fs.readFileSync(path.join(out, 'bag-info.txt'), 'utf8');
    expect(info).toMatch(/^Source-Organization: 某某市场监督管理局$/m);
    expect(info).toMatch(/^Evidock-Station: station-7$/m);
    expect(info).toMatch(/^Evidock-Unit: 330100000001$/m);
    const payload = fs.readdirSync(path.join(out, 'data'), { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    const bytes = payload.reduce((n, e) => n + fs.statSync(path.join(e.parentPath, e.name)).size, 0);
    expect(info).toContain(`Payload-Oxum: ${bytes}.${payload.length}`);
    expect(fs.readFileSync(path.join(out, 'index.csv'), 'utf8')).toContain('ZD-2026-9');
    const audit = fs.readFileSync(path.join(out, 'data/custody/audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    expect(audit.map((e) => e.event)).toEqual(expect.arrayContaining(['recording.commit', 'recording.classified']));
    // coreutils agree (they know nothing of BagIt beyond the manifest format) …
    for (const m of ['manifest-sha256.txt', 'tagmanifest-sha256.txt']) {
      const r = spawnSync('sha256sum', ['--strict', '-c', m], { cwd: out, encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(0);
    }
    // … and so does a BagIt validator that is not evidock's.
    skipTest(ctx, 'independent BagIt validator', noBagitValidator());
    const bag = await validateBag(out);
    expect(bag.failed).toEqual([]);
    expect(bag.valid).toBe(true);
    expect(bag.passed).toEqual(expect.arrayContaining(['bagit version okay', 'manifest-sha256.txt no verification errors',
      'entries match file count', 'tagmanifest-sha256.txt no verification errors']));
  });

  it('the disc\'s signed audit checkpoint verifies with the openssl CLI alone; a changed checkpoint does not', (ctx) => {
    skipTest(ctx, 'checkpoint checked with OpenSSL', missingTools(['openssl']));
    const out = extract(built[0]!.image, path.join(dir, 'extracted-openssl'));
    const readme = fs.readFileSync(path.join(out, 'README.txt'), 'utf8');
    // The command a person is told to run, on the disc itself, is the one run here (argv split on spaces: no quoting in it).
    expect(readme).toContain(OPENSSL_VERIFY);
    expect(fs.readFileSync(path.join(out, 'index.html'), 'utf8')).toContain(OPENSSL_VERIFY);
    const [cmd, ...args] = OPENSSL_VERIFY.split(' ');
    const ok = spawnSync(cmd!, args, { cwd: out, encoding: 'utf8' });
    expect(ok.status, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Signature Verified Successfully/);

    const cp = JSON.parse(fs.readFileSync(path.join(out, 'data/custody/checkpoint.json'), 'utf8')) as { v: number; station: string; seq: number; hash: string; at: string };
    expect(cp).toMatchObject({ v: 1, seq: expect.any(Number), hash: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(fs.readFileSync(path.join(out, 'bag-info.txt'), 'utf8')).toContain(`Evidock-Audit-Checkpoint: station ${cp.station} seq ${cp.seq} hash ${cp.hash}`);
    // The key on the disc is the station's (as `audit pubkey` prints it), and the disc's checkpoint
    // is one of the station's own: `audit verify` finds it among the checkpoints and it matches the chain.
    const pub = cli('audit', 'pubkey');
    expect(pub.code, pub.stderr).toBe(0);
    expect(fs.readFileSync(path.join(out, 'data/custody/station-public-key.pem'), 'utf8')).toBe(pub.stdout);
    const av = json<{ ok: boolean; checkpoints: { count: number; ok: number } }>(cli('audit', 'verify', '--json'));
    expect(av.ok).toBe(true);
    expect(av.checkpoints.ok).toBeGreaterThanOrEqual(1);
    // The head hash on the disc is the chain's own entry at that seq.
    const log = json<{ seq: number; hash: string }[]>(cli('audit', 'log', '--json'));
    expect(log.find((e) => e.seq === cp.seq)?.hash).toBe(cp.hash);

    // A checkpoint claiming a different head (a rewritten log's) no longer matches the signature.
    const forged = path.join(out, 'data/custody/checkpoint.json');
    fs.chmodSync(forged, 0o644); // extracted from the ISO read-only
    fs.writeFileSync(forged, JSON.stringify({ ...cp, seq: cp.seq + 1 }));
    const bad = spawnSync(cmd!, args, { cwd: out, encoding: 'utf8' });
    expect(bad.status).not.toBe(0);
    expect(`${bad.stdout}${bad.stderr}`).toMatch(/Signature Verification Failure/);
  });

  it('a copy with one payload byte changed fails verify (exit 3), naming the file', async () => {
    const b = built[0]!;
    const bad = path.join(dir, 'tampered.iso');
    fs.copyFileSync(b.image, bad);
    const extents = await fileExtents(bad);
    // Any recording in the payload (which kinds were classified major depends on the listing order).
    const target = [...extents.keys()].find((p) => p.startsWith('data/recordings/') && (extents.get(p)?.[0]?.size ?? 0) > 0)!;
    const ext = extents.get(target)![0]!;
    const fd = fs.openSync(bad, 'r+');
    const pos = ext.start * 2048 + Math.floor(ext.size / 2);
    const byte = Buffer.alloc(1);
    fs.readSync(fd, byte, 0, 1, pos);
    byte[0] = byte[0]! ^ 0x01;
    fs.writeSync(fd, byte, 0, 1, pos);
    fs.closeSync(fd);
    const r = cli('archive', 'verify', bad, '--json');
    expect(r.code).toBe(3);
    const v = JSON.parse(r.stdout) as { ok: boolean; bad: { path: string; problem: string }[] };
    expect(v.ok).toBe(false);
    expect(v.bad).toEqual(expect.arrayContaining([
      { path: target, problem: expect.stringMatching(/^SHA-256 [0-9a-f]{64} differs from the manifest's/) },
      { path: target, problem: 'content differs from the MD5 xorriso recorded' },
    ]));
    expect(v.bad.every((x) => x.path === target || x.path === '(image)')).toBe(true);
    const text = cli('archive', 'verify', bad);
    expect(text.code).toBe(3);
    expect(text.stdout).toContain(`BAD ${target}`);
    // Not an image at all: a failed verification naming it (3); no such file: a usage error (2).
    const junk = path.join(dir, 'junk.iso');
    fs.writeFileSync(junk, Buffer.alloc(64 * 1024, 7));
    const j = cli('archive', 'verify', junk, '--json');
    expect(j.code).toBe(3);
    expect(JSON.parse(j.stdout)).toMatchObject({ ok: false, files: 0, bad: expect.arrayContaining([{ path: '(image)', problem: expect.stringMatching(/no ISO 9660 file system/) }]) });
    const none = cli('archive', 'verify', path.join(dir, 'no-such.iso'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no-such\.iso: no such image or device/);
    // The independent validator sees it too (it can fail: this is what a failure looks like).
    if (!noBagitValidator()) {
      const r2 = await validateBag(extract(bad, path.join(dir, 'extracted-tampered')));
      expect(r2.valid).toBe(false);
      expect(r2.failed).toEqual(['manifest-sha256.txt no verification errors']);
    }
  });

  it('burn without a drive says so and leaves the image ready; a file is not a drive', () => {
    const r = cli('archive', 'burn', built[0]!.volume, '--drive', path.join(dir, 'no-such-drive'));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/does not exist: the image stays ready at/);
    const f = path.join(dir, 'plain-file');
    fs.writeFileSync(f, '');
    const r2 = cli('archive', 'burn', built[0]!.volume, '--drive', f);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/is not a device/);
    expect(fs.statSync(f).size).toBe(0);
    expect(fs.existsSync(built[0]!.image)).toBe(true);
    expect(json<{ burnedAt: string | null }[]>(cli('archive', 'list', '--json'))[0]!.burnedAt).toBeNull();
  });

  // A loop device stands in for the drive: xorriso writes the image to the block device as it
  // would to a BD-R, and the disc is read back from the device and recorded as burned and verified.
  const canLoop = process.getuid?.() === 0 && spawnSync('losetup', ['--version']).status === 0;
  if (!canLoop) console.log('SKIP archive burn to a loop device: needs root and losetup');
  it.skipIf(!canLoop)('burns to a block device, reads it back, records where the disc is kept', () => {
    if (!canLoop && process.env.EVIDOCK_REQUIRE_ALL === '1') throw new Error('EVIDOCK_REQUIRE_ALL: root and losetup needed');
    const backing = path.join(dir, 'bd.img');
    fs.writeFileSync(backing, Buffer.alloc(0));
    fs.truncateSync(backing, built[0]!.bytes + 4 * 1024 * 1024);
    const loop = spawnSync('losetup', ['--find', '--show', backing], { encoding: 'utf8' });
    expect(loop.status, loop.stderr).toBe(0);
    const dev = `stdio:${loop.stdout.trim()}`; // xorriso's address for a block device that is not an optical drive
    try {
      const r = cli('archive', 'burn', built[0]!.volume, '--drive', dev, '--stored-at', 'cabinet 3, shelf 2', '--json');
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ volume: built[0]!.volume, drive: dev, verified: true, check: { ok: true, bad: [] } });
      const d = json<{ burnedAt: string | null; verifiedAt: string | null; drive: string; storedWhere: string }[]>(cli('archive', 'list', '--json'))[0]!;
      expect(d).toMatchObject({ drive: dev, storedWhere: 'cabinet 3, shelf 2' });
      expect(d.verifiedAt).not.toBeNull();
      expect(cli('archive', 'verify', '--drive', dev, '--json').code).toBe(0);
      // Burned and verified: the major recordings on it no longer say "no verified disc".
      const plan = json<{ recordingId: number; blockedBy: string[] }[]>(cli('retention', 'plan', '--json'));
      expect(plan.find((e) => e.recordingId === ids[2])?.blockedBy).toEqual(['case ZD-2026-9 open']);
    } finally {
      spawnSync('losetup', ['-d', dev.slice('stdio:'.length)]);
    }
  });

  it('refuses to record a disc whose image does not match custody (a damaged stored object), exit 3', () => {
    const rec = (json<{ id: number; sha256: string }[]>(cli('recordings', 'list', '--json'))).find((r) => r.id === ids[1])!;
    const obj = path.join(cfg.dataDir, 'store', 'sha256', rec.sha256.slice(0, 2), rec.sha256.slice(2, 4), rec.sha256);
    const fd = fs.openSync(obj, 'r+'); // root can write a 0444 file: this is the damage a disk does
    fs.writeSync(fd, Buffer.from('X'), 0, 1, 10);
    fs.closeSync(fd);
    const r = cli('archive', 'build', '--recordings', String(ids[1]), '--json');
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/did not verify after writing; not recorded: data\/recordings\/\d+-\S+: SHA-256/);
    expect(json<unknown[]>(cli('archive', 'list', '--json'))).toHaveLength(1);
    expect(fs.readdirSync(path.join(cfg.dataDir, 'archive')).filter((f) => f.endsWith('.iso'))).toHaveLength(1);
  });
});
