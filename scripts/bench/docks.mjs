// Dock benchmark (run by scripts/bench-ingest.sh, which makes the images and cleans up after a
// crash): camera images attached as loop devices into a running `evidock daemon`.
//   throughput: 1, 4, 8 and 16 cameras at once (manifest `counts`; attach → "ingest complete" in
//               the daemon's log), against `cp -r` + sync of the same images at once from their
//               FUSE mounts (disk-limited reference); the daemon's peak RSS and CPU seconds per GiB;
//               when the last camera's ingest started;
//   latency:    attach → first store temp file written, for dock.pollMs 200 and the default.
// Every timed run starts with cold caches and a fresh data directory. Prints tables on stdout,
// writes the raw figures as JSON.  Usage: node docks.mjs MANIFEST.json
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import {
  until, cold, attach, detach, detachAll, fuseMount, fuseUnmount, mountsUnder, startDaemon, median, sleep,
} from './dock-lib.mjs';

const m = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const MiB = 1 << 20;
const problems = [];
const logged = []; // warn/error lines of every daemon
const problem = (s) => { problems.push(s); process.stderr.write(`  ! ${s}\n`); };
const progress = (s) => process.stderr.write(`  ${s}\n`);

/** Attach images together, follow them through the daemon's log until every session ended. */
async function dock(d, images, jitterMs = 0) {
  const from = d.log.poll().length;
  cold();
  // Latency docks follow one another right after an undock the daemon just saw (a block scan):
  // attach at a random phase of its poll timer instead, as a camera plugged in by hand would be.
  if (jitterMs) await sleep(Math.random() * jitterMs);
  const t0 = Date.now();
  const cams = images.map((img) => { const at = Date.now(); const dev = attach(img.image); return { img, dev, name: path.basename(dev), at }; });
  const after = () => d.log.poll().slice(from);
  const settle = () => {
    const ls = after();
    for (const c of cams) {
      if (c.done || c.failed) continue;
      c.docked ??= ls.find((l) => l.message?.startsWith('camera volume docked:') && l.message.includes(`(block ${c.dev})`));
      c.started ??= ls.find((l) => l.message?.startsWith('ingest started:') && l.message.endsWith(`/run/mnt/${c.name}`));
      if (c.started) c.done = ls.find((l) => /^ingest (complete|interrupted)/.test(l.message ?? '') && l.session === c.started.session);
      if (c.done) c.setup ??= ls.find((l) => l.message?.startsWith('dock checks:') && l.session === c.started.session)?.setupMs;
      const bad = ls.find((l) => l.level !== 'info' && (l.message?.includes(`${c.dev}:`) || l.message?.includes(`/run/mnt/${c.name} failed`)));
      if (bad && !c.done) { c.failed = bad.message; problem(`${d.label}: ${c.img.serial} on ${c.dev}: ${bad.message}`); }
    }
    return cams.every((c) => c.done || c.failed);
  };
  await until(`${images.map((i) => i.serial).join(', ')} ingested`, settle, 600_000).catch((err) => problem(`${d.label}: ${err.message}`));
  for (const c of cams) {
    const msg = c.done?.message ?? '';
    const stored = Number(/(\d+) stored/.exec(msg)?.[1] ?? NaN);
    if (c.done && (!msg.startsWith('ingest complete') || stored !== c.img.files)) {
      problem(`${d.label}: ${c.img.serial}: "${msg}" (expected ${c.img.files} stored)`);
    }
  }
  const first = d.tmp.firstAfter(t0);
  const ends = cams.map((c) => c.done?.ts ?? NaN);
  // Released = evidock unmounted its read-only mount (it does so right after the session).
  for (const c of cams) {
    await until(`${c.dev} unmounted by evidock`, () => mountsUnder(path.join(d.mnt, c.name)).length === 0, 30_000)
      .then(() => { c.released = Date.now(); }, (err) => problem(`${d.label}: ${err.message}`));
  }
  const detachAt = Date.now();
  for (const c of cams) await detach(c.dev);
  for (const c of cams) {
    const seen = await until(`undock of ${c.dev}`, () => after().find((l) => l.message?.startsWith('camera undocked:') && l.message.includes(c.dev)), 15_000)
      .catch((err) => { problem(`${d.label}: ${err.message}`); return undefined; });
    c.undockMs = seen ? seen.ts - detachAt : NaN;
  }
  const rel = (t) => (t === undefined ? NaN : (t - t0) / 1000);
  return {
    t0, bytes: images.reduce((s, i) => s + i.bytes, 0),
    wallS: (Math.max(...ends) - t0) / 1000,
    copyS: (Math.max(...ends) - Math.min(...cams.map((c) => c.started?.ts ?? NaN))) / 1000,
    firstPartS: rel(first.created), firstByteS: rel(first.written),
    cams: cams.map((c) => ({
      serial: c.img.serial, dev: c.dev, attachS: rel(c.at), dockedS: rel(c.docked?.ts), startedS: rel(c.started?.ts),
      doneS: rel(c.done?.ts), releasedAfterDoneS: c.released && c.done ? (c.released - c.done.ts) / 1000 : NaN,
      undockS: c.undockMs / 1000, profile: c.started?.profile, setupMs: c.setup, status: c.failed ? 'failed' : (c.done?.message ?? 'timeout').split(':')[0],
    })),
  };
}

/** Peak RSS (MB) and CPU seconds (own + reaped children, e.g. the disk-proof helper) of a live process. */
function usageOf(pid) {
  try {
    const hwm = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    const tck = 100; // USER_HZ
    return { rssMB: Number(hwm) / 1024, cpuS: (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / tck };
  } catch { return { rssMB: NaN, cpuS: NaN }; }
}

async function withDaemon(label, pollMs, fn, concurrency = 4) {
  const d = await startDaemon({ evidock: m.evidock, work: m.work, dockDir: m.dockDir, label, pollMs, concurrency, pidFile: m.pidFile });
  try {
    const r = await fn(d);
    if (r && typeof r === 'object' && !Array.isArray(r)) Object.assign(r, usageOf(d.child.pid));
    return r;
  } finally {
    await d.stop();
    for (const l of d.log.poll()) {
      if (l.level !== 'info' && !/ffprobe failed/.test(l.message ?? '')) logged.push(`${label}: ${l.level}: ${l.message}`);
    }
    if (d.killed) problem(`${label}: daemon still running 30 s after SIGTERM, killed; process tree: ${d.killed}`);
    const left = mountsUnder(d.mnt);
    if (left.length) { problem(`${label}: mounts left after the daemon stopped: ${left.join(' ')}`); for (const mp of left) await fuseUnmount(mp); }
    fs.rmSync(d.dataDir, { recursive: true, force: true });
  }
}

/** cp -r of the images' contents from read-only FUSE mounts, all at once, then sync. */
async function cpRef(images, label) {
  const devs = images.map((i) => attach(i.image));
  const mps = devs.map((_, k) => path.join(m.work, 'ref', `m${k}`));
  const out = path.join(m.work, 'ref', 'out');
  try {
    devs.forEach((dev, k) => fuseMount(m.fs, dev, mps[k]));
    fs.mkdirSync(out, { recursive: true });
    cold();
    const t0 = Date.now();
    await Promise.all(mps.map((mp, k) => new Promise((resolve, reject) => {
      spawn('cp', ['-r', `${mp}/.`, path.join(out, `c${k}`)], { stdio: 'ignore' })
        .on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${label}: cp exited ${code}`))));
    })));
    spawnSync('sync');
    return { wallS: (Date.now() - t0) / 1000, bytes: images.reduce((s, i) => s + i.bytes, 0) };
  } finally {
    for (const mp of mps) await fuseUnmount(mp);
    for (const dev of devs) await detach(dev);
    fs.rmSync(out, { recursive: true, force: true });
  }
}

const f = (x, w = 7, p = 2) => (Number.isFinite(x) ? x.toFixed(p) : '—').padStart(w);
const mibs = (r) => r.bytes / MiB / r.wallS;

async function main() {
  const R = m.repeat;
  const counts = m.counts ?? [1, 4];
  const res = { runs: {}, cp: {}, latency: {} };
  for (const n of counts) {
    res.runs[n] = []; res.cp[n] = [];
    for (let r = 0; r < R; r++) {
      const cams = m.cams.slice(0, n);
      progress(`${n} camera(s) at once, run ${r + 1}/${R}: cp -r + sync reference, then evidock daemon (pollMs 200, concurrency ${Math.max(...counts)})`);
      res.cp[n].push(await cpRef(cams, `cp${n}`));
      res.runs[n].push(await withDaemon(`n${n}-${r + 1}`, 200, (d) => dock(d, cams), Math.max(...counts)));
    }
  }
  for (const pollMs of [200, undefined]) {
    if (!m.latency.length) break;
    const key = pollMs ? String(pollMs) : '1000 (default)';
    progress(`dock-to-first-byte: ${m.latency.length} docks one after another, dock.pollMs ${key}`);
    res.latency[key] = await withDaemon(`latency-${pollMs ?? 'default'}`, pollMs, async (d) => {
      const out = [];
      for (const img of m.latency) out.push(await dock(d, [img], pollMs ?? 1000));
      return out;
    });
  }
  fs.writeFileSync(m.out, JSON.stringify(res, null, 2));
  report(res, counts);
}

function report(res, counts) {
  const cam = m.cams[0];
  const one = median(res.runs[counts[0]].map(mibs));
  console.log(`\nconcurrent docks: up to ${m.cams.length} ${m.fs} images of ${(cam.bytes / MiB).toFixed(1)} MiB (${cam.files} files) each, loop-attached read-only;`);
  const profiles = [...new Set(Object.values(res.runs).flat().flatMap((r) => r.cams.map((c) => c.profile ?? '?')))].join(', ');
  console.log(`daemon dock.pollMs 200, ingest.concurrency ${Math.max(...counts)}; profile ${profiles}; ${m.isRoot ? 'cold cache' : 'warm cache: not root'}; median of ${m.repeat} run(s)`);
  console.log(`  ${'cameras'.padEnd(8)} ${'wall s'.padStart(7)} ${'MiB/s'.padStart(8)} ${'/1 cam'.padStart(7)} ${'cp MiB/s'.padStart(9)} ${'/cp'.padStart(6)} `
    + `${'last started s'.padStart(14)} ${'peak RSS MB'.padStart(11)} ${'CPU s/GiB'.padStart(9)}`);
  for (const n of counts) {
    const rs = res.runs[n];
    const agg = median(rs.map(mibs));
    const cp = median(res.cp[n].map(mibs));
    const last = median(rs.map((r) => Math.max(...r.cams.map((c) => c.startedS))));
    const cpuPerGiB = median(rs.map((r) => r.cpuS / (r.bytes / 1024 ** 3)));
    console.log(`  ${String(n).padEnd(8)} ${f(median(rs.map((r) => r.wallS)))} ${f(agg, 8, 1)} ${f(agg / one)} ${f(cp, 9, 1)} ${f(agg / cp, 6)} `
      + `${f(last, 14)} ${f(median(rs.map((r) => r.rssMB)), 11, 1)} ${f(cpuPerGiB, 9)}`);
  }
  console.log('  targets: aggregate / cp ≥ 0.5 (4 and 16); 16 cameras / 1 camera ≥ 0.9; last of 16: dock → first byte < 2 s'
    + ' (shown: attach → "ingest started" of the last camera); peak RSS ≤ 200 MB at 16');
  const all = Object.values(res.runs).flat().flatMap((r) => r.cams);
  console.log(`  evidock's mount released after "ingest complete": median ${f(median(all.map((c) => c.releasedAfterDoneS)), 0)} s;`
    + ` undock seen after losetup -d: median ${f(median(all.map((c) => c.undockS)), 0)} s`);

  if (Object.keys(res.latency).length) {
    console.log(`\ndock-to-first-byte: ${m.latency.length} docks per setting of ${m.fs} images of ${(m.latency[0].bytes / MiB).toFixed(1)} MiB`
      + ` (${m.latency[0].files} files), one at a time at a random phase of the poll; ${m.isRoot ? 'cold cache' : 'warm cache'}; seconds after losetup, median [min–max]`);
    console.log(`  ${'dock.pollMs'.padEnd(15)} ${'→ docked+mounted'.padEnd(20)} ${'→ ingest started'.padEnd(20)} ${'→ .part created'.padEnd(20)} ${'→ first byte'.padEnd(20)} target < 2 s`);
    const span = (xs) => `${f(median(xs), 0)} [${f(Math.min(...xs), 0)}–${f(Math.max(...xs), 0)}]`.padEnd(20);
    for (const [key, docks] of Object.entries(res.latency)) {
      const fb = median(docks.map((r) => r.firstByteS));
      console.log(`  ${key.padEnd(15)} ${span(docks.map((r) => r.cams[0].dockedS))} ${span(docks.map((r) => r.cams[0].startedS))} `
        + `${span(docks.map((r) => r.firstPartS))} ${span(docks.map((r) => r.firstByteS))} ${fb < 2 ? 'met' : 'MISSED'}`);
    }
  }

  const seen = [...new Set(logged.map((l) => l.replace(/^[^:]+: /, '')))];
  if (problems.length || seen.length) {
    console.log('\nproblems seen while docking:');
    for (const p of problems) console.log(`  - ${p}`);
    for (const l of seen.slice(0, 20)) console.log(`  - daemon log: ${l}`);
  }
}

let cleaning = false;
const cleanup = async () => { if (cleaning) return; cleaning = true; await detachAll(); };
for (const sig of ['SIGINT', 'SIGTERM']) process.once(sig, () => { void cleanup().finally(() => process.exit(130)); });
try {
  await main();
} finally {
  await cleanup();
}
