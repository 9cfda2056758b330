// `evidock sim camera --personality …` then `evidock ingest --json` and `recordings list --json`:
// the dock-session flow through the built CLI.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { tempDir, writeConfig } from '../helpers/volumes.js';
import { SIM_LIB, buildProbes } from '../probes/zfy-sim.js';
import { attachLoop } from '../../src/dock/loop.js';
import { mountReadOnly } from '../../src/dock/mount.js';
import { privilegedSkipReason } from '../dock/helpers.js';

const mountSkip = privilegedSkipReason(['losetup', 'mkfs.vfat', 'fusefat', 'fusermount', 'blkid']);
if (mountSkip) console.warn(`skipping the hand-mounted labelled camera: ${mountSkip}`);

let dir: string;
let cfg: { file: string; dataDir: string };
const env = { EVIDOCK_ZFY_LIBRARY: SIM_LIB };
beforeAll(() => {
  buildProbes();
  dir = tempDir('dockcli');
  cfg = writeConfig(dir); // timezone local, as the simulator's clock
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const simCamera = (name: string, args: string[]) => {
  const r = runCli(['sim', 'camera', path.join(dir, name), '--clips', '1', '--seconds', '1', '--photos', '1', '--audio', '0', '--json', ...args]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { serial: string; zfyDir?: string; files: { path: string; recordedStart: string; cameraStart: string }[] };
};
type Rec = { sourcePath: string; recordedStart: string; correctedStart: string | null; correctedEnd: string | null; clockOffsetS: number | null };

describe('evidock ingest on each kind of camera', () => {
  it('zfy: checks in the summary, raw and corrected times in recordings list', () => {
    const made = simCamera('zfy', ['--personality', 'zfy', '--clock-offset', '-90', '--battery', '71']);
    expect(fs.existsSync(path.join(made.zfyDir!, 'zfy-state.ini'))).toBe(true);
    // A directory shows no USB facts to match on: the profile is named, and the simulated library is
    // pointed at the camera through the environment, as the simulator's summary says.
    const r = runCli(['--config', cfg.file, 'ingest', path.join(dir, 'zfy'), '--profile', 'zfy-generic', '--json'],
      { env: { ...env, ZFY_SIM_DIR: made.zfyDir! } });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s).toMatchObject({ device: made.serial, profile: 'zfy-generic', files: 2, stored: 2, failed: 0, errors: [],
      checks: { batteryPct: 71, clock: { method: 'zfy', source: 'camera' } }, clockSync: { ok: true } });
    expect(Math.abs(s.checks.clock.offsetS + 90)).toBeLessThanOrEqual(1);

    const rows: Rec[] = JSON.parse(runCli(['--config', cfg.file, 'recordings', 'list', '--json', '--device', made.serial]).stdout);
    expect(rows).toHaveLength(2);
    for (const f of made.files) {
      const row = rows.find((x) => x.sourcePath === f.path)!;
      expect(row.recordedStart).toBe(f.cameraStart);
      expect(Math.abs(Date.parse(row.correctedStart!) - Date.parse(f.recordedStart))).toBeLessThanOrEqual(1000);
      expect(row.clockOffsetS).toBe(s.checks.clock.offsetS);
    }
    const table = runCli(['--config', cfg.file, 'recordings', 'list', '--device', made.serial]).stdout;
    expect(table).toMatch(/recorded start \(camera\).*corrected start.*offset s/);
  });

  it('labelled, copied into a plain directory: nothing on the volume stands in for its label', () => {
    // The simulator leaves a .evidock-label file beside the copy: a file on a camera never sets its identity.
    simCamera('lab', ['--personality', 'labelled', '--serial', 'LABCLI1']);
    fs.writeFileSync(path.join(dir, 'lab', '.evidock-label'), 'LABCLI1\n');
    const r = runCli(['--config', cfg.file, 'ingest', path.join(dir, 'lab'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.identitySource).toBe('none');
    expect(s.device).not.toBe('LABCLI1');
  });

  it.skipIf(mountSkip !== undefined)('labelled, mounted by hand: the label comes from the device under the mount point', async () => {
    const img = path.join(dir, 'lab2.img');
    const made = runCli(['sim', 'camera', '--image', img, '--personality', 'labelled', '--serial', 'LABCLI2', '--clips', '1', '--seconds', '1',
      '--photos', '1', '--audio', '0', '--json']);
    expect(made.code, made.stderr).toBe(0);
    const loop = await attachLoop(img, { readOnly: true });
    try {
      const m = await mountReadOnly(loop.device, 'vfat', path.join(dir, 'lab2-mnt'));
      try {
        const r = runCli(['--config', cfg.file, 'ingest', m.mountpoint, '--json']);
        expect(r.code, r.stderr).toBe(0);
        expect(JSON.parse(r.stdout)).toMatchObject({ device: 'LABCLI2', profile: 'labelled-massstorage', identitySource: 'label',
          checks: { clock: { method: 'none', offsetS: null } }, clockSync: null, stored: 2 });
      } finally { await m.unmount(); }
    } finally { await loop.detach(); }
  });

  it('timeset: prints the checks and the clock file it wrote', () => {
    simCamera('ts', ['--personality', 'timeset']);
    const r = runCli(['--config', cfg.file, 'ingest', path.join(dir, 'ts')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/profile timeset-massstorage/);
    expect(r.stdout).toMatch(/checks: clock not measured; battery \? %; storage \d+ MB used/);
    expect(r.stdout).toMatch(/camera clock set \(timesetFile: TIMESET\.txt = \d{4}-\d\d-\d\d \d\d:\d\d:\d\d\)/);
    expect(fs.readFileSync(path.join(dir, 'ts/TIMESET.txt'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
  });

  it('--profile names a profile that does not exist: usage error', () => {
    const r = runCli(['--config', cfg.file, 'ingest', path.join(dir, 'ts'), '--profile', 'nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no profile named "nope"/);
  });
});
