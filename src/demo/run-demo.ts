// `npm run demo`: the main job end to end. Three simulated cameras are docked under a temporary
// dock root watched by a real daemon (embedded default config + that root); once all are
// ingested, status, recordings and verify are printed and the daemon is stopped. The third is a
// ZFY (vendor-SDK) camera: the demo's own profile claims it by its volume label and points the
// simulated vendor library at it through zfy.env, as a site profile would name a real library.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_PROFILES } from '../profiles/builtin.js';
import { LABEL_SIDECAR } from '../ingest/directory-volume.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-demo-'));
const dock = path.join(work, 'dock');
const staging = path.join(work, 'staging');
fs.mkdirSync(dock);
fs.mkdirSync(staging);
const dataDir = path.resolve(process.env.EVIDOCK_DEMO_DATA ?? path.join(ROOT, 'var/evidock'));
const configFile = path.join(work, 'evidock.yaml');
/** The demo's ZFY camera: its label, and the state dir the simulator writes beside its volume. */
const ZFY_SERIAL = 'ZFYDEM1';
const zfyState = path.join(staging, 'cam-Z.zfy');
const zfyBuiltin = BUILTIN_PROFILES.find((p) => p.name === 'zfy-generic')!;
const demoZfy = {
  ...zfyBuiltin, name: 'demo-zfy', description: 'the demo\'s simulated ZFY camera',
  match: { usb: [], labelPattern: `^CAM_${ZFY_SERIAL}$` },
  zfy: { ...zfyBuiltin.zfy!, library: path.join(ROOT, 'native-probes/build/libzfy-sim.so'), env: { ZFY_SIM_DIR: zfyState } },
};
fs.writeFileSync(configFile, `# embedded default + the demo's dock root and its ZFY camera's profile\ndataDir: ${JSON.stringify(dataDir)}\n`
  + `dock:\n  roots: [${JSON.stringify(dock)}]\n  settleMs: 500\nprofiles: ${JSON.stringify([demoZfy, ...BUILTIN_PROFILES])}\n`);
const env = { ...process.env, EVIDOCK_CONFIG: configFile };

function cli(args: string[], show = true): { code: number; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (show) process.stdout.write(r.stdout);
  if (r.stderr && show) process.stderr.write(r.stderr);
  return { code: r.status ?? 1, stdout: r.stdout };
}
const say = (s: string) => process.stdout.write(`\n=== ${s}\n`);

say(`daemon: data in ${dataDir}, watching ${dock}`);
const daemon = spawn(process.execPath, [CLI, 'daemon'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const daemonExit = new Promise<number>((r) => daemon.on('exit', (code) => r(code ?? 1)));

const cameras = [
  { name: 'cam-A', args: ['--clips', '3', '--seconds', '3', '--photos', '2', '--audio', '1', '--gap-after', '2:120'] },
  { name: 'cam-B', args: ['--clips', '2', '--seconds', '4', '--photos', '1', '--audio', '1', '--clock-offset', '95'] },
  { name: 'cam-Z', args: ['--personality', 'zfy', '--serial', ZFY_SERIAL, '--clips', '2', '--seconds', '3', '--photos', '1', '--audio', '0',
    '--clock-offset', '-40', '--battery', '64'] },
];
const serials: string[] = [];
let expected = 0;
for (const cam of cameras) {
  const dir = path.join(staging, cam.name);
  say(`simulating camera ${cam.name}`);
  const r = cli(['sim', 'camera', dir, '--json', ...cam.args], false);
  if (r.code !== 0) throw new Error(`sim camera failed (exit ${r.code})`);
  const sim = JSON.parse(r.stdout) as { serial: string; badge: string; files: unknown[] };
  serials.push(sim.serial);
  expected += sim.files.length;
  process.stdout.write(`${cam.name}: serial ${sim.serial}, badge ${sim.badge}, ${sim.files.length} files\n`);
}
// A directory has no file-system label: the sidecar stands in for the one a camera's card carries.
fs.writeFileSync(path.join(staging, 'cam-Z', LABEL_SIDECAR), `CAM_${ZFY_SERIAL}\n`);
say('docking the cameras');
for (const cam of cameras) fs.renameSync(path.join(staging, cam.name), path.join(dock, cam.name));

const deadline = Date.now() + 120_000;
let got = 0;
while (Date.now() < deadline) {
  const r = cli(['recordings', 'list', '--json'], false);
  if (r.code === 0) {
    const rows = JSON.parse(r.stdout) as { device: string }[];
    got = rows.filter((x) => serials.includes(x.device)).length;
    const st = JSON.parse(cli(['status', '--json'], false).stdout || '{}') as { daemon?: { ingesting?: unknown[] } };
    if (got >= expected && (st.daemon?.ingesting?.length ?? 0) === 0) break;
  }
  await new Promise((res) => setTimeout(res, 500));
}
let failed = got < expected;
if (failed) process.stderr.write(`demo: only ${got} of ${expected} files recorded in time\n`);

say('evidock status');
cli(['status']);
say(`evidock recordings list (the demo's cameras: ${serials.join(', ')})`);
for (const s of serials) cli(['recordings', 'list', '--device', s]);
say('evidock sessions list');
cli(['sessions', 'list', '--limit', '2']);
say('evidock verify');
const v = cli(['verify']);
if (v.code !== 0) failed = true;

say('stopping the daemon');
daemon.kill('SIGTERM');
const code = await daemonExit;
if (code !== 0) { process.stderr.write(`daemon exited ${code}\n`); failed = true; }
fs.rmSync(work, { recursive: true, force: true });
process.stdout.write(failed ? '\ndemo FAILED\n' : `\ndemo OK: ${expected} simulated files docked, ingested and verified\n`);
process.exit(failed ? 1 : 0);
