// A camera volume whose mount fails is tried again (the device stays plugged in) and, after the
// last try, reported as dock-failed naming the device and the error (issue 7, defect 3). Real loop
// devices; the mount fails for real because the mount base cannot be created (a file is in its way).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { watchBlockDevices, type BlockDock, type DockFailure, type BlockWatcher } from '../../src/dock/blockwatch.js';
import { attachLoop, type LoopDevice } from '../../src/dock/loop.js';
import { privilegedSkipReason, sh, tempDir } from './helpers.js';
import { spawnCli, runCli } from '../helpers/cli.js';
import { until } from '../helpers/wait.js';

const skip = privilegedSkipReason(['losetup', 'mkfs.vfat', 'fusefat', 'fusermount', 'blkid', 'lsblk']);
if (skip) console.warn(`skipping block-device retry tests: ${skip}`);

const tmp = tempDir('evidock-bwretry-');
const logged: string[] = [];
const log = { warn: (m: string) => { logged.push(m); }, info: () => {}, error: () => {}, debug: () => {} };

async function loopImage(name: string): Promise<LoopDevice> {
  const dir = path.join(tmp.dir, name);
  fs.mkdirSync(path.join(dir, 'images'), { recursive: true });
  const img = path.join(dir, 'images', 'cam.img');
  fs.writeFileSync(img, Buffer.alloc(0));
  fs.truncateSync(img, 40 << 20);
  sh('mkfs.vfat', ['-F', '32', '-n', 'RETRYCAM', img]);
  return attachLoop(img, { readOnly: true });
}

function watch(name: string, delays: number[]): { w: BlockWatcher; blocker: string } {
  const dir = path.join(tmp.dir, name);
  const blocker = path.join(dir, 'run');
  fs.writeFileSync(blocker, 'in the way of run/mnt'); // mkdir run/mnt/<dev> fails: ENOTDIR
  const w = watchBlockDevices({
    includeLoopDevices: true, loopBackingDir: path.join(dir, 'images'), mountRoots: [], mountBase: path.join(blocker, 'mnt'),
    pollMs: 200, retryDelaysMs: delays, log,
  });
  return { w, blocker };
}

const loops: LoopDevice[] = [];
const watchers: BlockWatcher[] = [];
afterAll(async () => {
  for (const w of watchers) await w.close();
  for (const l of loops) await l.detach().catch(() => undefined);
  tmp.cleanup();
});

describe.skipIf(skip !== undefined)('block devices whose mount fails', () => {
  it('are tried three times, then dock-failed names the device and the error', async () => {
    const loop = await loopImage('gives-up'); loops.push(loop);
    const { w } = watch('gives-up', [100, 100]); watchers.push(w);
    const docked: BlockDock[] = [];
    w.on('docked', (d: BlockDock) => docked.push(d));
    const failure = await new Promise<DockFailure>((resolve) => w.on('dock-failed', resolve));
    expect(failure).toMatchObject({ device: loop.device, label: 'RETRYCAM', attempts: 3 });
    expect(failure.error).toMatch(/ENOTDIR|not a directory/i);
    expect(logged.filter((m) => m.includes(loop.device) && /try [12], next in/.test(m))).toHaveLength(2);
    // Given up: later scans leave the device alone until it is unplugged.
    await new Promise((r) => setTimeout(r, 800));
    expect(logged.filter((m) => m.includes(loop.device) && /try 4/.test(m))).toEqual([]);
    expect(docked).toEqual([]);
  });

  it('are docked on a later try once the fault is gone', async () => {
    const loop = await loopImage('recovers'); loops.push(loop);
    const { w, blocker } = watch('recovers', [1500, 1500]); watchers.push(w);
    const docked = new Promise<BlockDock>((resolve) => w.on('docked', resolve));
    const failed: DockFailure[] = [];
    w.on('dock-failed', (f: DockFailure) => failed.push(f));
    await (async () => { for (let i = 0; i < 100 && !logged.some((m) => m.includes(loop.device) && /try 1, next in/.test(m)); i++) await new Promise((r) => setTimeout(r, 100)); })();
    fs.rmSync(blocker);
    const d = await docked;
    expect(d.volume.device).toMatchObject({ path: loop.device, label: 'RETRYCAM' });
    await d.release();
    expect(failed).toEqual([]);
  });
});

describe.skipIf(skip !== undefined)('the daemon, when a camera cannot be mounted', () => {
  it('raises a critical dock-failed alert naming the device and the error after the last try', async () => {
    const loop = await loopImage('daemon'); loops.push(loop);
    const sub = path.join(tmp.dir, 'daemon');
    const dataDir = path.join(sub, 'data');
    fs.mkdirSync(path.join(dataDir, 'run'), { recursive: true });
    fs.writeFileSync(path.join(dataDir, 'run', 'mnt'), 'in the way of the mount base');
    const cfg = path.join(sub, 'evidock.yaml');
    fs.writeFileSync(cfg, `dataDir: ${JSON.stringify(dataDir)}\ndock:\n  includeLoopDevices: true\n  loopBackingDir: ${JSON.stringify(path.join(sub, 'images'))}\n`
      + '  pollMs: 200\n  retryDelaysMs: [100, 100]\n');
    const d = spawnCli(['--config', cfg, 'daemon']);
    const exited = new Promise<number | null>((r) => d.on('exit', (c) => r(c)));
    try {
      const alert = await until('dock-failed alert', () => {
        const r = runCli(['--config', cfg, 'status', '--json']);
        const open = r.code === 0 ? (JSON.parse(r.stdout).openAlerts as { kind: string; severity: string; message: string }[]) : [];
        return open.find((a) => a.kind === 'dock-failed');
      }, 60_000);
      expect(alert.severity).toBe('critical');
      expect(alert.message).toContain(loop.device);
      expect(alert.message).toMatch(/label RETRYCAM/);
      expect(alert.message).toMatch(/after 3 tries: mount failed: .*(ENOTDIR|not a directory)/i);
    } finally {
      d.kill('SIGTERM');
      await exited;
    }
  });
});
