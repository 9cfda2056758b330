// `npm run demo`: the main job end to end. Two simulated cameras are docked under a temporary
// dock root watched by a real daemon (embedded default config + that root); once both are
// ingested, status, recordings and verify are printed; one camera's footage is filed under a case,
// classified major and written to a verified BagIt disc image; then the daemon is stopped.
// ingested, status, recordings and verify are printed and the daemon is stopped. The compliance
// story rides along: camera A's footage is two days old and has an interruption, camera B's clock
// is 95 s off; the alerts reach a command hook and a webhook on 127.0.0.1; the interruption is
// explained by the officer's voice note and approved by the unit head. A third camera, cam-Z, has the
// ZFY vendor interface (simulated library): identity, battery and clock come through the SDK.
import { spawn, spawnSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_PROFILES, ZFY_PROFILE } from '../profiles/builtin.js';
import { upstreamStories } from './upstream-stories.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli/main.js');
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'evidock-demo-'));
const dock = path.join(work, 'dock');
const staging = path.join(work, 'staging');
fs.mkdirSync(dock);
fs.mkdirSync(staging);
const dataDir = path.resolve(process.env.EVIDOCK_DEMO_DATA ?? path.join(ROOT, 'var/evidock'));
const configFile = path.join(work, 'evidock.yaml');
// The roster below: officer 100001 wears cam-A; 900001 heads the unit (decides access, reviews gaps).
const DEMO_OFFICER = '100001';
const DEMO_HEAD = '900001';
const hookFile = path.join(work, 'hook.jsonl');
const webhookBodies: { kind: string }[] = [];
const receiver = http.createServer((req, res) => {
  let b = '';
  req.on('data', (d: Buffer) => { b += d.toString(); });
  req.on('end', () => { webhookBodies.push(JSON.parse(b) as { kind: string }); res.writeHead(204).end(); });
});
await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/alerts`;

/**
 * cam-Z, a ZFY vendor-SDK camera, simulated in staging with its state beside it (cam-Z.zfy), and the
 * demo's own profile for it. A directory under the dock root shows no USB ids and no volume label, so
 * the profile claims it by what its card does show: its first recording, whose GA/T 947 name carries
 * the camera's serial and badge. The profile names the vendor library as a site profile would
 * (zfy.library: the simulated one) and points it at the camera through zfy.env. Built-ins unchanged.
 */
function simulateZfyCamera(): { name: string; serial: string; badge: string; files: number; profile: object } {
  const name = 'cam-Z';
  const r = spawnSync(process.execPath, [CLI, 'sim', 'camera', path.join(staging, name), '--json', '--personality', 'zfy',
    '--serial', 'DEMOZ03', '--badge', '100002', '--clips', '2', '--seconds', '3', '--photos', '1', '--audio', '0',
    '--clock-offset', '-40', '--battery', '64'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`sim camera (zfy) failed (exit ${r.status}): ${r.stderr}`);
  const sim = JSON.parse(r.stdout) as { serial: string; badge: string; files: { path: string }[]; zfyDir: string };
  const profile = {
    ...ZFY_PROFILE, name: 'demo-zfy', description: "the demo's simulated ZFY camera (dock-root directory)",
    match: { usb: [], markerFile: sim.files[0]!.path },
    zfy: { ...ZFY_PROFILE.zfy!, library: path.join(ROOT, 'native-probes/build/libzfy-sim.so'), env: { ZFY_SIM_DIR: sim.zfyDir } },
  };
  return { name, serial: sim.serial, badge: sim.badge, files: sim.files.length, profile };
}
const zfy = simulateZfyCamera();
fs.writeFileSync(configFile, [
  "# embedded default + the demo's dock root, roster, alert channels and its ZFY camera's profile",
  `dataDir: ${JSON.stringify(dataDir)}`, 'dock:', `  roots: [${JSON.stringify(dock)}]`, '  settleMs: 500', 'timezone: "+08:00"',
  'officers:', '  - {badge: "100001", name: "Li Wei", roles: [officer]}', '  - {badge: "100002", name: "Chen Jing", roles: [officer]}',
  '  - {badge: "900001", name: "Zhang Min (unit head)", roles: [head]}', '  - {badge: "800001", name: "Wang Fang (custodian)", roles: [custodian]}',
  'devices:', '  - {serial: "DEMOA01", badge: "100001", model: "DSJ-V9", purchaseDate: "2025-03-18", price: 1280}', '  - {serial: "DEMOB02", badge: "100002"}', `  - {serial: "${zfy.serial}", badge: "${zfy.badge}"}`,
  'alerts:', '  channels:', `    - {type: command, run: ${JSON.stringify(`cat >> '${hookFile}'; echo >> '${hookFile}'`)}}`,
  `    - {type: webhook, url: ${JSON.stringify(webhookUrl)}, minSeverity: warning}`,
  `profiles: ${JSON.stringify([zfy.profile, ...BUILTIN_PROFILES])}`, '',
].join('\n'));
const env = { ...process.env, EVIDOCK_CONFIG: configFile };

function cli(args: string[], show = true): { code: number; stdout: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { env, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (show) process.stdout.write(r.stdout);
  if (r.stderr && show) process.stderr.write(r.stderr);
  return { code: r.status ?? 1, stdout: r.stdout };
}
const say = (s: string) => process.stdout.write(`\n=== ${s}\n`);
const sleep = (ms: number) => new Promise((res) => setTimeout(res, ms));

/** The compliance part of the story; returns true when something was not as expected. */
async function complianceStory(): Promise<boolean> {
  let bad = false;
  const hookKinds = () => (fs.existsSync(hookFile) ? fs.readFileSync(hookFile, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { kind: string }).kind) : []);
  // The daemon delivers within a few seconds of the dock.
  for (let i = 0; i < 40 && !(hookKinds().includes('interruption') && webhookBodies.some((b) => b.kind === 'late-upload')); i++) await sleep(500);
  say('evidock alerts list --open (each problem once)');
  cli(['alerts', 'list', '--open']);
  say(`delivered: command hook got ${hookKinds().join(', ') || 'nothing'}; webhook got ${webhookBodies.map((b) => b.kind).join(', ') || 'nothing'}`);
  if (!hookKinds().includes('late-upload') || !webhookBodies.some((b) => b.kind === 'interruption')) { process.stderr.write('demo: alerts not delivered\n'); bad = true; }
  say('evidock report late');
  cli(['report', 'late']);
  say('evidock gap list --open');
  const gaps = JSON.parse(cli(['gap', 'list', '--open', '--json'], false).stdout || '[]') as { id: number; device: string; afterRecording: number }[];
  cli(['gap', 'list', '--open']);
  const gap = gaps.filter((g) => g.device === 'DEMOA01').at(-1);
  if (!gap) { process.stderr.write('demo: no interruption found on DEMOA01\n'); return true; }
  if (process.geteuid?.() !== 0) {
    say('explaining and approving the gap needs root acting --as the officer and the head: skipped');
    return bad;
  }
  say(`officer 100001 explains gap ${gap.id} by the voice note that resumed the recording (recording ${gap.afterRecording})`);
  bad = cli(['--as', '100001', 'gap', 'explain', String(gap.id), '--recording', String(gap.afterRecording)]).code !== 0 || bad;
  say(`unit head 900001 approves gap ${gap.id}`);
  bad = cli(['--as', '900001', 'gap', 'review', String(gap.id), '--approve']).code !== 0 || bad;
  const still = JSON.parse(cli(['gap', 'list', '--open', '--json'], false).stdout || '[]') as { id: number }[];
  if (still.some((g) => g.id === gap.id)) { process.stderr.write('demo: the approved gap is still open\n'); bad = true; }
  say('evidock report gaps');
  cli(['report', 'gaps']);
  say('evidock report performance --lang zh');
  cli(['report', 'performance', '--lang', 'zh']);
  return bad;
}

/** The disc image checked as a computer without evidock would: xorriso extracts it, sha256sum checks the
 * BagIt manifests, openssl the signed audit checkpoint (the commands of the disc's README.txt). */
function discCheckedWithoutEvidock(image: string): boolean {
  const out = path.join(work, `disc-${path.basename(image, '.iso')}`);
  const run = (what: string, cmd: string, args: string[]) => {
    say(`${what}: ${cmd} ${args.join(' ')}`);
    const r = spawnSync(cmd, args, { cwd: fs.existsSync(out) ? out : work, encoding: 'utf8' });
    const text = `${r.error ? `${cmd}: ${r.error.message}\n` : ''}${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n').slice(-3).join('\n');
    if (text) process.stdout.write(`${text}\n`);
    return r.status === 0;
  };
  return run('extract the disc', 'xorriso', ['-osirrox', 'on', '-indev', image, '-extract', '/', out])
    && run('the BagIt manifests', 'sha256sum', ['--quiet', '-c', 'manifest-sha256.txt', 'tagmanifest-sha256.txt'])
    && run('the signed audit checkpoint', 'openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', 'data/custody/station-public-key.pem',
      '-rawin', '-in', 'data/custody/checkpoint.json', '-sigfile', 'data/custody/checkpoint.json.sig']);
}

/** cam-Z's dock session: identity, battery and clock offset read through the vendor library; true when not as expected. */
function zfyStory(): boolean {
  type Row = { deviceSerial: string; profile: string; status: string; clockOffsetS: number | null; clockSource: string | null; batteryPct: number | null };
  const rows = JSON.parse(cli(['sessions', 'list', '--device', zfy.serial, '--json'], false).stdout || '[]') as Row[];
  const s = rows[0];
  say(`${zfy.name} through the ZFY vendor interface: profile ${s?.profile ?? '?'}, clock ${s?.clockOffsetS ?? '?'} s (${s?.clockSource ?? '?'}), battery ${s?.batteryPct ?? '?'} %`);
  const ok = s !== undefined && s.profile === 'demo-zfy' && s.status === 'complete' && s.batteryPct === 64
    && s.clockOffsetS !== null && Math.abs(s.clockOffsetS + 40) <= 2;
  if (!ok) process.stderr.write(`demo: ${zfy.name} not docked through the vendor interface as expected: ${JSON.stringify(rows)}\n`);
  return !ok;
}

/** Art. 15: the officer asks for a copy, cannot approve it himself, the head approves, the export is verified. */
function approvedExport(): boolean {
  if (process.getuid?.() !== 0) {
    say('approved export skipped: acting for the demo officers (--as) needs root');
    return true;
  }
  const rows = JSON.parse(cli(['recordings', 'list', '--device', serials[0]!, '--json'], false).stdout) as { id: number; mediaKind: string }[];
  const ids = [rows.find((r) => r.mediaKind === 'video'), rows.find((r) => r.mediaKind === 'photo')].filter((r) => r).map((r) => r!.id);
  say(`evidock access request: officer ${DEMO_OFFICER} asks for a copy of recordings ${ids.join(', ')}`);
  const req = cli(['--as', DEMO_OFFICER, 'access', 'request', '--recordings', ids.join(','), '--kind', 'copy', '--purpose', '行政复议 (demo)', '--json']);
  if (req.code !== 0) return false;
  const id = String((JSON.parse(req.stdout) as { id: number }).id);
  say('the officer tries to approve his own request (refused, exit 4)');
  const self = cli(['--as', DEMO_OFFICER, 'access', 'approve', id]);
  process.stdout.write(`exit ${self.code}\n`);
  say(`unit head ${DEMO_HEAD} approves`);
  if (cli(['--as', DEMO_HEAD, 'access', 'approve', id, '--hours', '2']).code !== 0 || self.code !== 4) return false;
  const out = path.join(work, 'export');
  say(`evidock export ${id} --to ${out}`);
  if (cli(['--as', DEMO_OFFICER, 'export', id, '--to', out]).code !== 0) return false;
  say('the receipt verified with stock OpenSSL against the station key');
  const v = spawnSync('openssl', ['pkeyutl', '-verify', '-pubin', '-inkey', path.join(dataDir, 'keys', 'station.pub'),
    '-rawin', '-in', path.join(out, 'receipt.json'), '-sigfile', path.join(out, 'receipt.json.sig')], { encoding: 'utf8' });
  process.stdout.write(v.stdout + v.stderr);
  say('evidock report access');
  cli(['--as', DEMO_HEAD, 'report', 'access']);
  return v.status === 0;
}

/**
 * The equipment ledger (台账, issue 10): the custodian registers cam-C and hands it to officer
 * 100002; it comes back to the dock with footage under officer 100001's badge — lent (art. 18(6)):
 * a `lending` alert and a flag in the ledger; a fault, a repair, a refused step; the ledger in Chinese.
 */
async function ledgerStory(): Promise<boolean> {
  if (process.geteuid?.() !== 0) { say('ledger story skipped: acting for the custodian (--as) needs root'); return false; }
  const custodian = '800001';
  say(`custodian ${custodian}: evidock device add DEMOC03 --model DSJ-X1 --price 1280; device assign DEMOC03 --to 100002 --at (12 h ago)`);
  // A demo data directory kept from an earlier run already has the camera in its ledger.
  const known = (JSON.parse(cli(['--as', custodian, 'device', 'list', '--json'], false).stdout || '[]') as { serial: string }[]).some((d) => d.serial === 'DEMOC03');
  let bad = !known && cli(['--as', custodian, 'device', 'add', 'DEMOC03', '--model', 'DSJ-X1', '--price', '1280', '--purchased', '2026-06-01']).code !== 0;
  const iso = (msAgo: number) => new Date(Date.now() - msAgo).toISOString().replace(/\.\d+Z$/, 'Z');
  // Dated back so the footage below falls in the holding (a kept ledger's last handover is recent: now then).
  bad = cli(['--as', custodian, 'device', 'assign', 'DEMOC03', '--to', '100002', ...(known ? [] : ['--at', iso(12 * 3_600_000)])]).code !== 0 || bad;
  const dir = path.join(staging, 'cam-C');
  const sim = cli(['sim', 'camera', dir, '--json', '--clips', '2', '--seconds', '2', '--photos', '0', '--audio', '0', '--serial', 'DEMOC03', '--badge', '100001',
    '--start', iso(3_600_000)], false);
  if (sim.code !== 0) return true;
  const files = (JSON.parse(sim.stdout) as { files: unknown[] }).files.length;
  const lent = () => JSON.parse(cli(['alerts', 'list', '--kind', 'lending', '--json'], false).stdout || '[]') as { subject: string }[];
  const before = lent().length;
  say('cam-C docked, recorded under badge 100001 while 100002 holds it');
  fs.renameSync(dir, path.join(dock, 'cam-C'));
  for (let i = 0; i < 60 && lent().length === before; i++) await sleep(500);
  const recorded = (JSON.parse(cli(['recordings', 'list', '--device', 'DEMOC03', '--json'], false).stdout || '[]') as unknown[]).length;
  say('evidock alerts list --kind lending');
  cli(['alerts', 'list', '--kind', 'lending']);
  if (lent().length === before || recorded < files) { process.stderr.write('demo: the lent camera was not flagged\n'); bad = true; }
  say('a fault (art. 16), sent to repair and back; then an illegal step, refused naming the allowed ones (exit 2)');
  bad = cli(['--as', custodian, 'device', 'return', 'DEMOC03']).code !== 0 || bad;
  bad = cli(['--as', custodian, 'device', 'fault', 'DEMOC03', '--note', '录像键失灵 (record button stuck)']).code !== 0 || bad;
  bad = cli(['--as', custodian, 'device', 'repair', 'DEMOC03', '--sent']).code !== 0 || bad;
  bad = cli(['--as', custodian, 'device', 'repair', 'DEMOC03', '--back']).code !== 0 || bad;
  const again = cli(['--as', custodian, 'device', 'repair', 'DEMOC03', '--back']);
  process.stdout.write(`exit ${again.code}\n`);
  bad = again.code !== 2 || bad;
  say('evidock device list');
  cli(['--as', custodian, 'device', 'list']);
  say('evidock report ledger --lang zh');
  cli(['--as', DEMO_HEAD, 'report', 'ledger', '--lang', 'zh']);
  const xlsx = path.join(work, 'ledger.xlsx');
  bad = cli(['--as', custodian, 'report', 'ledger', '--format', 'xlsx', '--lang', 'zh', '--out', xlsx]).code !== 0 || bad;
  say(`the same as an Excel workbook: ${xlsx} (${fs.existsSync(xlsx) ? fs.statSync(xlsx).size : 0} bytes)`);
  return bad;
}

say(`daemon: data in ${dataDir}, watching ${dock}`);
const daemon = spawn(process.execPath, [CLI, 'daemon'], { env, stdio: ['ignore', 'inherit', 'inherit'] });
const daemonExit = new Promise<number>((r) => daemon.on('exit', (code) => r(code ?? 1)));

const cameras = [
  { name: 'cam-A', args: ['--clips', '3', '--seconds', '3', '--photos', '2', '--audio', '1', '--gap-after', '2:120',
    '--start', new Date(Date.now() - 2 * 86_400_000).toISOString().replace(/\.\d+Z$/, 'Z'), '--serial', 'DEMOA01', '--badge', '100001'] },
  { name: 'cam-B', args: ['--clips', '2', '--seconds', '4', '--photos', '1', '--audio', '1', '--clock-offset', '95', '--serial', 'DEMOB02', '--badge', '100002'] },
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
serials.push(zfy.serial);
expected += zfy.files;
process.stdout.write(`${zfy.name}: serial ${zfy.serial}, badge ${zfy.badge}, ${zfy.files} files (ZFY vendor interface, simulated library)\n`);
say('docking the three cameras');
for (const cam of [...cameras, zfy]) fs.renameSync(path.join(staging, cam.name), path.join(dock, cam.name));

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
cli(['sessions', 'list', '--limit', '3']);
failed = zfyStory() || failed;
say('evidock verify');
const v = cli(['verify']);
if (v.code !== 0) failed = true;

// Art. 2 and 14(2): cam-A's footage becomes a major incident filed under a case, is burned to a
// BagIt disc image, and the image is verified as any computer could.
const caseNo = `DEMO-${new Date().toISOString().slice(0, 19).replace(/\D/g, '')}`;
const camA = JSON.parse(cli(['recordings', 'list', '--device', serials[0]!, '--json'], false).stdout || '[]') as { id: number }[];
if (camA.length > 0) {
  const ids = camA.map((r) => String(r.id));
  say(`evidock case open ${caseNo}; case link … --stage 取证; classify … --category major`);
  cli(['case', 'open', caseNo, '--title', 'demo: mass incident at the market']);
  cli(['case', 'link', caseNo, ...ids, '--stage', '取证']);
  if (cli(['classify', ...ids, '--category', 'major', '--case', caseNo, '--importance', '5']).code !== 0) failed = true;
  say('evidock retention plan --due (nothing is due yet: every floor is months away)');
  cli(['retention', 'plan', '--due']);
  say('evidock archive build');
  const built = cli(['archive', 'build', '--json'], false);
  const discs = built.code === 0 ? JSON.parse(built.stdout) as { volume: string; image: string; sha256: string; files: number; bytes: number }[] : [];
  if (built.code !== 0 || discs.length === 0) { failed = true; process.stderr.write('demo: archive build failed\n'); }
  for (const d of discs) {
    process.stdout.write(`${d.volume}: ${d.image}, ${d.files} files, ${d.bytes} bytes, sha256 ${d.sha256}\n`);
    say(`evidock archive verify ${path.basename(d.image)}`);
    if (cli(['archive', 'verify', d.image]).code !== 0) failed = true;
    if (!discCheckedWithoutEvidock(d.image)) failed = true;
  }
  say('evidock archive list');
  cli(['archive', 'list']);
}
if (!failed) failed = !approvedExport();
failed = (await complianceStory()) || failed;
failed = (await ledgerStory()) || failed;
failed = (await upstreamStories({ ROOT, CLI, work, configFile, dataDir, env, firstSerial: serials[0]!, cli, say })) || failed;

say('stopping the daemon');
daemon.kill('SIGTERM');
const code = await daemonExit;
if (code !== 0) { process.stderr.write(`daemon exited ${code}\n`); failed = true; }
receiver.close();
fs.rmSync(work, { recursive: true, force: true });
process.stdout.write(failed ? '\ndemo FAILED\n' : `\ndemo OK: ${expected} simulated files docked, ingested and verified; late footage and an interruption `
  + 'alerted, explained and approved; a disc image built and verified; an approved export receipted\n');
process.exit(failed ? 1 : 0);
