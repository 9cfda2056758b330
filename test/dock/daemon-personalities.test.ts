// Issue 3's "done when": a daemon with dock.includeLoopDevices ingests loop-attached FAT32 and
// exFAT images of all three personalities (zfy, timeset, labelled) with no mount by hand; the
// dock-time checks (clock offset, battery) are recorded and the camera clocks set afterwards
// (ZFY SyncDevTime through the simulated vendor library; TIMESET.txt written through a
// read-write remount that evidock makes only for that). Each zfy camera is claimed by a test
// profile matching its volume label, whose zfy.env points the simulated library at its state.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync, type ChildProcess } from 'node:child_process';
import { spawnCli, runCli, ROOT } from '../helpers/cli.js';
import { until as waitUntil } from '../helpers/wait.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';
import { createCameraImage, type SimResult } from '../../src/sim/index.js';
import { attachLoop, type LoopDevice } from '../../src/dock/loop.js';
import { firstMissing, noFile, noFuse, noLoop, notRoot, skipUnless } from '../helpers/require.js';
import { BUILTIN_PROFILES } from '../../src/profiles/builtin.js';

const SIM_LIB = path.join(ROOT, 'native-probes/build/libzfy-sim.so');
const canRun = !skipUnless('daemon docking the three camera personalities',
  firstMissing(notRoot(), noFuse(), noLoop(), noFile(SIM_LIB, 'native-probes build (make -C native-probes)')));

const dir = tempDir('dockpers');
const images = path.join(dir, 'images');
const making = path.join(dir, 'making');
fs.mkdirSync(images);
fs.mkdirSync(making);
const loops: LoopDevice[] = [];
let daemon: ChildProcess | undefined;
let exited: Promise<number | null> | undefined;
let cfg: { file: string; dataDir: string };

const until = <T>(what: string, fn: () => T | undefined, ms = 120_000) => waitUntil(what, fn, ms, 200);
const json = (args: string[]) => { const r = runCli(['--config', cfg.file, ...args, '--json']); return r.code === 0 ? JSON.parse(r.stdout) : undefined; };

/** The two zfy cameras: serial (so the label CAM_<serial> is known before they are made) and state dir. */
const ZFY_CAMS = { 'zfy-fat': 'ZFYFAT1', 'zfy-exfat': 'ZFYEXF1' } as const;
const zfyState = (name: string) => path.join(making, `${name}.img.zfy`);

async function camera(name: string, fsType: 'fat32' | 'exfat', personality: 'zfy' | 'timeset' | 'labelled', clockOffset: number): Promise<SimResult> {
  const tmp = path.join(making, `${name}.img`);
  const serial = (ZFY_CAMS as Record<string, string>)[name];
  const sim = await createCameraImage(tmp, fsType, { personality, clockOffset, clips: 2, seconds: 2, photos: 1, audio: 1, ...(serial ? { serial } : {}) });
  const image = path.join(images, `${name}.img`);
  fs.renameSync(tmp, image); // the zfy state dir stays in making/, where the test profile's zfy.env points
  return { ...sim, image };
}

/** Built-in profiles, plus one per simulated zfy camera: zfy-generic's rules on its label, its state in zfy.env. */
function profilesYaml(): string {
  const zfy = BUILTIN_PROFILES.find((p) => p.name === 'zfy-generic')!;
  const sims = Object.entries(ZFY_CAMS).map(([name, serial]) => ({
    ...zfy, name: `${name}-sim`, match: { usb: [], labelPattern: `^CAM_${serial}$` },
    zfy: { ...zfy.zfy!, library: SIM_LIB, env: { ZFY_SIM_DIR: zfyState(name) } },
  }));
  return `profiles: ${JSON.stringify([...sims, ...BUILTIN_PROFILES])}\n`;
}

beforeAll(async () => {
  if (!canRun) return;
  cfg = writeConfig(dir, `dock:\n  includeLoopDevices: true\n  loopBackingDir: ${JSON.stringify(images)}\n  pollMs: 300\ningest:\n  concurrency: 3\nclock:\n  maxDriftSeconds: 30\n${profilesYaml()}`);
  daemon = spawnCli(['--config', cfg.file, 'daemon']);
  daemon.stderr?.on('data', (b) => process.env.EVIDOCK_TEST_VERBOSE && process.stderr.write(b));
  exited = new Promise((r) => daemon!.on('exit', (c) => r(c)));
  await until('daemon', () => (fs.existsSync(path.join(cfg.dataDir, 'run/daemon.json')) ? true : undefined));
}, 120_000);

afterAll(async () => {
  if (daemon && daemon.exitCode === null) { daemon.kill('SIGTERM'); await exited; }
  for (const l of loops) await l.detach().catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe.skipIf(!canRun)('daemon docking the three camera personalities', () => {
  it('zfy, timeset and labelled cameras on FAT32 and exFAT: identified, checked, ingested, clocks set', async () => {
    const cams = [
      { sim: await camera('zfy-fat', 'fat32', 'zfy', 120), fs: 'fat32' },
      { sim: await camera('timeset-exfat', 'exfat', 'timeset', -75), fs: 'exfat' },
      { sim: await camera('labelled-fat', 'fat32', 'labelled', 0), fs: 'fat32' },
      { sim: await camera('zfy-exfat', 'exfat', 'zfy', -45), fs: 'exfat' },
    ];
    // Writable loop devices: evidock mounts them read-only and remounts read-write only to set the clock.
    for (const c of cams) loops.push(await attachLoop(c.sim.image!, { readOnly: false }));
    for (const { sim } of cams) {
      await until(`${sim.personality} ${sim.serial} ingested`, () => {
        const rows = (json(['recordings', 'list', '--device', sim.serial]) ?? []) as { sourcePath: string; sha256: string }[];
        return rows.length === sim.files.length ? rows : undefined;
      });
    }
    await until('all sessions over', () => (json(['status'])?.daemon?.ingesting?.length === 0 ? true : undefined));
    const sessions = json(['sessions', 'list']) as { deviceSerial: string; status: string; clockOffsetS: number | null; batteryPct: number | null; profile: string }[];
    const by = (serial: string) => sessions.find((s) => s.deviceSerial === serial)!;
    for (const { sim } of cams) expect(by(sim.serial).status, sim.serial).toBe('complete');

    for (const c of [cams[0]!, cams[3]!]) {
      const s = by(c.sim.serial);
      expect(s.profile).toMatch(/zfy/);
      expect(Math.abs((s.clockOffsetS ?? 999) - c.sim.clockOffset)).toBeLessThanOrEqual(2);
      expect(s.batteryPct).not.toBeNull();
      // SyncDevTime through the simulated vendor library zeroed the camera's offset.
      const state = fs.readFileSync(path.join(zfyState(c.sim.image!.endsWith('zfy-fat.img') ? 'zfy-fat' : 'zfy-exfat'), 'zfy-state.ini'), 'utf8');
      expect(state).toMatch(/^clockOffset=0$/m);
    }
    expect(by(cams[1]!.sim.serial).profile).toMatch(/timeset/);
    expect(by(cams[2]!.sim.serial).profile).toMatch(/labelled/);

    // Both zfy cameras drift beyond 30 s (120, −45): one alert each; the timeset camera's clock cannot be read.
    const alerts = (json(['status'])?.openAlerts ?? []) as { kind: string; deviceSerial: string | null }[];
    expect(alerts.filter((a) => a.kind === 'clock-drift').map((a) => a.deviceSerial).sort())
      .toEqual([cams[0]!.sim.serial, cams[3]!.sim.serial].sort());

    // Corrected times: the zfy camera's recordings carry raw and corrected starts 120 s apart.
    const recs = json(['recordings', 'list', '--device', cams[0]!.sim.serial]) as { recordedStart: string; correctedStart?: string | null }[];
    for (const r of recs) {
      expect(r.correctedStart).toBeTruthy();
      expect(Math.round((Date.parse(r.recordedStart) - Date.parse(r.correctedStart!)) / 1000)).toBe(120);
    }

    // TIMESET.txt was written to the timeset camera (through the read-write remount) — read it back.
    const ts = cams[1]!;
    const loop = loops[1]!;
    await until('mounts released', () => (fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(path.join(cfg.dataDir, 'run', 'mnt')) ? undefined : true), 30_000);
    const mnt = path.join(dir, 'check');
    fs.mkdirSync(mnt);
    expect(spawnSync('mount.exfat-fuse', ['-o', 'ro', loop.device, mnt]).status).toBe(0);
    try {
      const text = fs.readFileSync(path.join(mnt, 'TIMESET.txt'), 'utf8');
      expect(text).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}/);
    } finally {
      spawnSync('fusermount', ['-u', mnt]);
    }
    expect(ts.sim.personality).toBe('timeset');
  }, 400_000);
});
