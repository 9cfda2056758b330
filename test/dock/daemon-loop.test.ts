// Docking for real on this host: FAT32 and exFAT camera images attached as loop devices are found
// by the daemon (dock.includeLoopDevices), mounted read-only through FUSE by evidock itself,
// ingested, unmounted; four at once; one pulled mid-copy (FUSE daemon killed → ENOTCONN, or the
// backing image truncated → EIO) ends interrupted without disturbing the others and resumes.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { spawnCli, runCli } from '../helpers/cli.js';
import { until as waitUntil } from '../helpers/wait.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';
import { createCameraImage, type SimResult } from '../../src/sim/index.js';
import { attachLoop, type LoopDevice } from '../../src/dock/loop.js';
import { firstMissing, noFuse, noLoop, notRoot, skipUnless } from '../helpers/require.js';

const canRun = !skipUnless('daemon docking loop-attached camera images', firstMissing(notRoot(), noFuse(), noLoop()));

const dir = tempDir('dockloop');
const images = path.join(dir, 'images');
fs.mkdirSync(images);
const loops: LoopDevice[] = [];
let daemon: ChildProcess | undefined;
let daemonExit: Promise<number | null> | undefined;
let cfg: { file: string; dataDir: string };

const until = <T>(what: string, fn: () => T | undefined, ms = 90_000) => waitUntil(what, fn, ms, 10);
const recordings = (): { device: string; sourcePath: string; sha256: string }[] => {
  const r = runCli(['--config', cfg.file, 'recordings', 'list', '--json']);
  return r.code === 0 ? JSON.parse(r.stdout) : [];
};
const sessions = () => JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout);
/** Temp files of bulk copies seen so far (only the bulk files grow past 2 MiB in the store's tmp). */
const seenBig = new Set<string>();
const bigCopies = () => {
  const tmp = path.join(cfg.dataDir, 'store', 'tmp');
  try {
    for (const f of fs.readdirSync(tmp)) {
      try { if (fs.statSync(path.join(tmp, f)).size > (2 << 20)) seenBig.add(f); } catch { /* renamed meanwhile */ }
    }
  } catch { /* no tmp yet */ }
  return seenBig.size;
};
const ourMounts = () => fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').filter((l) => l.includes(path.join(cfg.dataDir, 'run', 'mnt')));

function bulk(sizeMiB: number, count: number) {
  return async (tree: string) => {
    const idf = fs.readFileSync(path.join(tree, 'DEVICE.ID'), 'utf8');
    const serial = /serial=(\S+)/.exec(idf)![1]!;
    const badge = /badge=(\S+)/.exec(idf)![1]!;
    for (let i = 0; i < count; i++) {
      const name = `20261126_07${String(i).padStart(2, '0')}00_${serial}_${badge}_${String(100 + i).padStart(4, '0')}.JPG`;
      fs.writeFileSync(path.join(tree, 'DCIM/100MEDIA', name), crypto.randomBytes(sizeMiB << 20));
    }
  };
}

const making = path.join(dir, 'making');
fs.mkdirSync(making);
/** Made outside the watched image dir: filling an exFAT image uses a loop device of its own. */
async function camera(name: string, fsType: 'fat32' | 'exfat', extra?: (t: string) => Promise<void>): Promise<SimResult> {
  const tmp = path.join(making, `${name}.img`);
  const sim = await createCameraImage(tmp, fsType, { clips: 2, seconds: 2, photos: 1, audio: 1, addFiles: extra });
  const image = path.join(images, `${name}.img`);
  fs.renameSync(tmp, image);
  return { ...sim, image };
}

beforeAll(async () => {
  if (!canRun) return;
  cfg = writeConfig(dir, `dock:\n  includeLoopDevices: true\n  loopBackingDir: ${JSON.stringify(images)}\n  pollMs: 300\ningest:\n  concurrency: 4\n`);
  daemon = spawnCli(['--config', cfg.file, 'daemon']);
  daemon.stderr?.on('data', (b) => process.env.EVIDOCK_TEST_VERBOSE && process.stderr.write(b));
  daemonExit = new Promise((r) => daemon!.on('exit', (c) => r(c)));
  await until('daemon', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null) { daemon.kill('SIGTERM'); await daemonExit; }
  for (const l of loops) await l.detach().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!canRun)('daemon docking loop-attached camera images', () => {
  it('FAT32 and exFAT cameras: found, mounted read-only by evidock, ingested, unmounted', async () => {
    const cams = [await camera('fat-a', 'fat32'), await camera('exfat-a', 'exfat')];
    for (const c of cams) loops.push(await attachLoop(c.image!, { readOnly: true }));
    for (const c of cams) {
      const rows = await until(`${c.serial} recorded`, () => {
        const mine = recordings().filter((r) => r.device === c.serial);
        return mine.length === c.files.length ? mine : undefined;
      });
      for (const f of c.files) expect(rows.find((r) => r.sourcePath === f.path)?.sha256, f.path).toBe(f.sha256);
    }
    await until('unmounted after the sessions', () => (ourMounts().length === 0 ? true : undefined), 20_000);
    const st = sessions();
    expect(st.daemon.ingesting).toEqual([]);
  });

  it('four cameras at once, one pulled mid-copy (FUSE killed): others complete, it resumes when docked again', async () => {
    const cams = [
      await camera('c1', 'fat32'), await camera('c2', 'exfat'), await camera('c3', 'fat32'),
      await camera('pulled', 'exfat', bulk(24, 24)),
    ];
    const pulled = cams[3]!;
    const before = new Set(loops.map((l) => l.device));
    const mine = await Promise.all(cams.map((c) => attachLoop(c.image!, { readOnly: true })));
    loops.push(...mine);
    const pulledLoop = mine[3]!;
    expect(before.has(pulledLoop.device)).toBe(false);
    // Pull the camera mid-copy: kill its FUSE daemon. Looked up at the moment of the kill: found
    // earlier, a pid could be the mount helper that forks the daemon and exits (ESRCH).
    const fusePids = () => spawnSync('pgrep', ['-f', `exfat-fuse.* ${pulledLoop.device} `], { encoding: 'utf8' }).stdout.trim().split('\n').filter(Boolean);
    await until('FUSE daemon of the pulled camera', () => (fusePids().length > 0 ? true : undefined));
    seenBig.clear();
    await until('the third bulk file of the pulled camera being copied', () => (bigCopies() >= 3 ? true : undefined), 60_000);
    const killed = fusePids().filter((p) => { try { process.kill(Number(p), 'SIGKILL'); return true; } catch { return false; } });
    expect(killed.length, 'the FUSE daemon of the pulled camera was still running when it was pulled').toBeGreaterThan(0);
    for (const c of cams.slice(0, 3)) {
      await until(`${c.serial} complete`, () => (recordings().filter((r) => r.device === c.serial).length === c.files.length ? true : undefined));
    }
    await until('pulled session interrupted', () => {
      const rows = JSON.parse(runCli(['--config', cfg.file, 'status', '--json']).stdout).daemon.ingesting as unknown[];
      return rows.length === 0 ? true : undefined;
    });
    const partial = recordings().filter((r) => r.device === pulled.serial).length;
    expect(partial).toBeGreaterThan(0);
    expect(partial).toBeLessThan(pulled.files.length + 24);
    // Dock it again: detach, wait for the daemon to see it go, attach.
    await pulledLoop.detach();
    loops.splice(loops.indexOf(pulledLoop), 1);
    await new Promise((r) => setTimeout(r, 1500));
    loops.push(await attachLoop(pulled.image!, { readOnly: true }));
    const rows = await until('pulled camera complete', () => {
      const m = recordings().filter((r) => r.device === pulled.serial);
      return m.length === pulled.files.length + 24 ? m : undefined;
    }, 120_000);
    expect(new Set(rows.map((r) => r.sourcePath)).size).toBe(rows.length); // no duplicate recording
    const v = runCli(['--config', cfg.file, 'verify', '--json']);
    expect(v.code, v.stdout).toBe(0);
  }, 300_000);

  it('backing image truncated mid-copy (EIO): interrupted, then restored and resumed', async () => {
    const cam = await camera('trunc', 'fat32', bulk(24, 10));
    const keep = `${cam.image}.orig`;
    fs.copyFileSync(cam.image!, keep);
    const loop = await attachLoop(cam.image!, { readOnly: true });
    loops.push(loop);
    seenBig.clear();
    // At the first bulk file: later (the second), a loaded machine let the copy reach the last
    // files, already read ahead into the loop device's cache, before the card "died".
    await until('the first bulk file being copied', () => (bigCopies() >= 1 ? true : undefined), 60_000);
    fs.truncateSync(cam.image!, 40 << 20); // the card "dies": reads past 40 MiB fail
    await until('session over', () => (sessions().daemon.ingesting.length === 0 ? true : undefined));
    const partial = recordings().filter((r) => r.device === cam.serial).length;
    expect(partial).toBeLessThan(cam.files.length + 10);
    const log = fs.readFileSync(path.join(cfg.dataDir, 'logs/evidock.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    // fusefat answers reads of a dead card with EACCES, exfat-fuse with EIO: either way the session stops.
    expect(log.some((l) => l.device === cam.serial && /^ingest interrupted/.test(String(l.message)))).toBe(true);
    await loop.detach();
    loops.splice(loops.indexOf(loop), 1);
    fs.copyFileSync(keep, cam.image!);
    await new Promise((r) => setTimeout(r, 1500));
    loops.push(await attachLoop(cam.image!, { readOnly: true }));
    await until('resumed to completion', () => (recordings().filter((r) => r.device === cam.serial).length === cam.files.length + 10 ? true : undefined), 120_000);
  }, 300_000);

  // With a camera in hand: its session's last steps (unmount, alert delivery) ran after stop had closed
  // the log, and the daemon died with exit 7 instead (found under systemd, test/usb/systemd.test.ts).
  it('stopped (SIGTERM) mid-copy of a FUSE-mounted camera: exits 0, the session interrupted, every mount released', async () => {
    const cam = await camera('stopped', 'fat32', bulk(24, 10));
    loops.push(await attachLoop(cam.image!, { readOnly: true }));
    seenBig.clear();
    await until('a bulk file of the last camera being copied', () => (bigCopies() >= 1 ? true : undefined), 60_000);
    daemon!.kill('SIGTERM');
    expect(await daemonExit).toBe(0);
    expect(ourMounts()).toEqual([]);
    const log = fs.readFileSync(path.join(cfg.dataDir, 'logs/evidock.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { device?: string; message: string });
    expect(log.some((l) => l.device === cam.serial && /^ingest interrupted/.test(l.message))).toBe(true);
    expect(log.at(-1)?.message).toBe('evidock daemon stopped');
  }, 120_000);
});
