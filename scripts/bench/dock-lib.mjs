// Building blocks of the dock benchmark (scripts/bench/docks.mjs): loop devices, FUSE mounts,
// an evidock daemon on a fresh data directory, its JSON log read as it grows, and the store's
// temp directory watched through inotify (fs.watch) for the first byte of a copy.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
export const IS_ROOT = process.getuid?.() === 0;

export function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${(r.stderr || r.stdout || `exit ${r.status ?? r.signal}`).trim()}`);
  return r.stdout.trim();
}

export async function until(what, fn, ms, stepMs = 20) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
    await sleep(stepMs);
  }
}

/** Cold page cache (root only): what a camera just plugged in looks like. */
export function cold() {
  spawnSync('sync');
  if (IS_ROOT) fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
}

export function mountsUnder(dir) {
  return fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')
    .map((l) => l.split(' ')[4]).filter((mp) => mp && (mp === dir || mp.startsWith(`${dir}/`)));
}

/** Loop devices this process attached, detached again by detachAll (also on failure). */
const attached = new Map();
export function attach(image) {
  const dev = sh('losetup', ['-f', '--show', '-r', image]);
  attached.set(dev, image);
  return dev;
}
export async function detach(dev) {
  const image = attached.get(dev);
  spawnSync('losetup', ['-d', dev]);
  attached.delete(dev);
  // A FUSE daemon still holding it makes the detach lazy: wait until it is really gone.
  if (image) await until(`${dev} detached`, () => sh('losetup', ['-j', image]) === '', 15_000, 50).catch(() => undefined);
}
export async function detachAll() { for (const dev of [...attached.keys()]) await detach(dev); }

/** Read-only FUSE mount as evidock would make it (exfat-fuse / fusefat), for the cp reference. */
export function fuseMount(fsType, dev, mp) {
  fs.mkdirSync(mp, { recursive: true });
  if (fsType === 'fat32') sh('fusefat', ['-o', 'ro', dev, mp]);
  else sh('mount.exfat-fuse', ['-o', 'ro', dev, mp]);
}
export async function fuseUnmount(mp) {
  for (let i = 0; i < 20 && mountsUnder(mp).length > 0; i++) {
    if (spawnSync('fusermount', ['-u', mp]).status === 0) break;
    await sleep(100);
  }
  if (mountsUnder(mp).length > 0) spawnSync('fusermount', ['-u', '-z', mp]);
}

/** The daemon's JSON log (winston: one object per line, ISO `timestamp`), read as it grows. */
export class LogTail {
  constructor(file) { this.file = file; this.offset = 0; this.rest = ''; this.lines = []; }
  poll() {
    let fd;
    try { fd = fs.openSync(this.file, 'r'); } catch { return this.lines; }
    try {
      const size = fs.fstatSync(fd).size;
      if (size > this.offset) {
        const buf = Buffer.alloc(size - this.offset);
        fs.readSync(fd, buf, 0, buf.length, this.offset);
        this.offset = size;
        const parts = (this.rest + buf.toString('utf8')).split('\n');
        this.rest = parts.pop() ?? '';
        for (const p of parts) {
          try { const o = JSON.parse(p); o.ts = Date.parse(o.timestamp); this.lines.push(o); } catch { /* partial line */ }
        }
      }
    } finally { fs.closeSync(fd); }
    return this.lines;
  }
  /** First line at index ≥ from matching pred. */
  find(pred, from = 0) { return this.poll().slice(from).find(pred); }
}

/** First appearance (inotify create) and first write (inotify modify) of each store temp file. */
export class TmpWatch {
  constructor(dir) {
    this.created = new Map(); this.written = new Map();
    this.watcher = fs.watch(dir, (ev, name) => {
      if (!name?.endsWith('.part')) return;
      const t = Date.now();
      const map = ev === 'change' ? this.written : this.created;
      if (!map.has(name)) map.set(name, t);
    });
  }
  firstAfter(t0) {
    const first = (m) => Math.min(...[...m.values()].filter((t) => t >= t0), Infinity);
    const c = first(this.created); const w = first(this.written);
    return { created: Number.isFinite(c) ? c : undefined, written: Number.isFinite(w) ? w : undefined };
  }
  close() { this.watcher.close(); }
}

/**
 * `evidock daemon` on a fresh data directory with loop-device docking confined to dockDir.
 * pollMs undefined: the default dock.pollMs. The pid goes to pidFile so the calling shell's trap
 * can stop it if this process dies.
 */
export async function startDaemon({ evidock, work, dockDir, label, pollMs, concurrency, pidFile }) {
  const dataDir = path.join(work, `data-${label}`);
  fs.rmSync(dataDir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dataDir, 'store', 'tmp'), { recursive: true }); // watched before the first copy
  const cfg = path.join(work, `evidock-${label}.yaml`);
  fs.writeFileSync(cfg, [
    `dataDir: ${JSON.stringify(dataDir)}`,
    'dock:', '  includeLoopDevices: true', `  loopBackingDir: ${JSON.stringify(dockDir)}`,
    ...(pollMs ? [`  pollMs: ${pollMs}`] : []),
    'ingest:', `  concurrency: ${concurrency}`, '',
  ].join('\n'));
  const stderrFile = path.join(work, `daemon-${label}.stderr`);
  const errFd = fs.openSync(stderrFile, 'w');
  const child = spawn(evidock, ['--config', cfg, 'daemon'], { stdio: ['ignore', errFd, errFd] });
  fs.closeSync(errFd);
  if (pidFile) fs.writeFileSync(pidFile, String(child.pid));
  const exited = new Promise((r) => child.on('exit', (code, signal) => r({ code, signal })));
  const log = new LogTail(path.join(dataDir, 'logs', 'evidock.log'));
  const tmp = new TmpWatch(path.join(dataDir, 'store', 'tmp'));
  const mnt = path.join(dataDir, 'run', 'mnt');
  const d = { dataDir, mnt, child, log, tmp, label, stderrFile, killed: false, stopMs: 0 };
  d.stop = async () => {
    tmp.close();
    if (child.exitCode !== null || child.signalCode !== null) return;
    const t = Date.now();
    child.kill('SIGTERM');
    const r = await Promise.race([exited, sleep(30_000).then(() => undefined)]);
    if (!r) {
      // Keep what it was doing (process tree, last log lines) for the report, then kill it.
      const tree = spawnSync('pstree', ['-pal', String(child.pid)], { encoding: 'utf8' }).stdout ?? '';
      const tail = fs.readFileSync(stderrFile, 'utf8').trim().split('\n').slice(-3).join(' | ');
      d.killed = `${tree.trim().split('\n').map((l) => l.trim().slice(0, 160)).join(' ; ')} — last log: ${tail}`;
      child.kill('SIGKILL');
      await exited;
    }
    d.stopMs = Date.now() - t;
    if (pidFile) fs.rmSync(pidFile, { force: true });
  };
  try {
    await until(`daemon ${label} ready`, () => {
      if (child.exitCode !== null) throw new Error(`daemon exited ${child.exitCode}: ${fs.readFileSync(stderrFile, 'utf8').slice(-2000)}`);
      return fs.existsSync(path.join(dataDir, 'run', 'daemon.json'));
    }, 60_000);
  } catch (err) { await d.stop(); throw err; }
  return d;
}

export const median = (xs) => {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
