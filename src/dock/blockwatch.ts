// Block-device detection: camera volumes that appear as disks (USB mass storage: lsblk with
// TRAN=usb, cross-checked with drivelist; loop devices when dock.includeLoopDevices). A volume
// nobody mounted is mounted read-only by evidock under <dataDir>/run/mnt and unmounted when its
// session is over; a device stays "handled" until it disappears, so it is not ingested twice.
import fs from 'node:fs';
import path from 'node:path';
import { EventEmitter } from 'node:events';
import { listBlockDevices, cameraCandidates, type CameraCandidate, type BlockDevice } from './lsblk.js';
import { mountReadOnly, type Mounted } from './mount.js';
import type { DockedVolume } from './volume.js';
import { run, type DockLog } from './exec.js';
import { readMounts } from './mountinfo.js';

export interface BlockWatchOptions {
  includeLoopDevices: boolean;
  /** Only loop devices whose backing file lies under this directory (tests, demo). */
  loopBackingDir?: string;
  /** Mount points of volumes at or under these roots belong to the mount-root watcher. */
  mountRoots: string[];
  mountBase: string;
  pollMs: number;
  log: DockLog;
  /**
   * Waits between the tries of a mount that failed (default 10 s, 20 s: three tries over ~30 s).
   * After the last try the watcher emits 'dock-failed' and leaves the device alone until it is unplugged.
   */
  retryDelaysMs?: readonly number[];
}

/** A camera volume that could not be mounted after every try. */
export interface DockFailure { device: string; label?: string; serial?: string; attempts: number; error: string }

export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = [10_000, 20_000];
/** Mounts in flight at once (each a mount(8) or FUSE daemon start). */
export const MOUNTS_AT_ONCE = 16;

/** Run the tasks, at most `limit` at a time; resolves when all are done (each handles its own errors). */
export async function runBounded(tasks: readonly (() => Promise<void>)[], limit: number): Promise<void> {
  let next = 0;
  const lane = async () => { while (next < tasks.length) { const t = tasks[next++]!; await t(); } };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
}

export interface BlockDock {
  volume: DockedVolume;
  /** Unmounts (if evidock mounted it); call when the session is over. */
  release(): Promise<void>;
}

export interface BlockWatcher extends EventEmitter { rescan(): void; close(): Promise<void> }

/**
 * Pure: what appeared and what went since the last scan. A known device counts as present while
 * its path is listed at all: once mounted, lsblk may report it differently (exfat-fuse mounts
 * show a mount point and lsblk then skips the blkid probe for FSTYPE), which must not look like
 * an unplug. A different file system UUID on the same path is a new camera.
 */
export function diffDevices(
  known: ReadonlyMap<string, { uuid?: string }>, candidates: CameraCandidate[], present: BlockDevice[],
): { added: CameraCandidate[]; removed: string[] } {
  const byPath = new Map(present.filter((d) => d.size > 0).map((d) => [d.path, d]));
  const removed = [...known].filter(([p, k]) => {
    const now = byPath.get(p);
    return !now || (k.uuid !== undefined && now.uuid !== undefined && now.uuid !== k.uuid);
  }).map(([p]) => p);
  const gone = new Set(removed);
  const added = candidates.filter((d) => !known.has(d.path) || gone.has(d.path));
  return { added, removed };
}

export function isUnder(p: string, roots: string[]): boolean {
  return roots.some((r) => p === r || p.startsWith(r.endsWith('/') ? r : `${r}/`));
}

function loopBackingFile(dev: BlockDevice): string | undefined {
  try { return fs.readFileSync(`/sys/block/${dev.name}/loop/backing_file`, 'utf8').trim(); } catch { return undefined; }
}

/** USB disks as drivelist sees them (real hardware); empty where it cannot run. */
async function drivelistUsbDisks(): Promise<Set<string>> {
  if (!fs.existsSync('/sys/bus/usb')) return new Set();
  try {
    const { list } = await import('drivelist');
    return new Set((await list()).filter((d) => d.isUSB).map((d) => d.device));
  } catch {
    return new Set();
  }
}

function usbFields(d: BlockDevice): { usbVid?: string; usbPid?: string; serial?: string } {
  const ids = usbIdsOf(d.name);
  if (!ids) return {};
  return { usbVid: ids.usbVid, usbPid: ids.usbPid, ...(!d.serial && ids.usbSerial ? { serial: ids.usbSerial } : {}) };
}

interface Known {
  uuid?: string;
  mounted?: Mounted;
  /** Mount tries that failed so far; with retryAt, when to try again; gaveUp after the last. */
  failures?: number;
  retryAt?: number;
  gaveUp?: boolean;
}

export function watchBlockDevices(opts: BlockWatchOptions): BlockWatcher {
  const em = new EventEmitter() as BlockWatcher;
  const known = new Map<string, Known>();
  const delays = opts.retryDelaysMs ?? DEFAULT_RETRY_DELAYS_MS;
  const retryTimers = new Set<NodeJS.Timeout>();
  let timer: NodeJS.Timeout | undefined;
  let closed = false;
  let scanning: Promise<void> | undefined;
  let again = false;

  const scan = async () => {
    // blkid only where a camera may be: not every loop device on the host, every poll.
    const wantedLoop = (d: BlockDevice) => opts.includeLoopDevices
      && (!opts.loopBackingDir || isUnder(loopBackingFile(d) ?? '', [path.resolve(opts.loopBackingDir)]));
    const [devices, usbDisks] = await Promise.all([
      listBlockDevices({ probeFilter: (d) => (d.type === 'loop' ? wantedLoop(d) : true) }),
      drivelistUsbDisks(),
    ]);
    // drivelist knows USB disks lsblk may not label (no udev): trust either.
    for (const d of devices) {
      const parent = d.parent ? devices.find((x) => x.name === d.parent) : undefined;
      if (!d.tran && (usbDisks.has(d.path) || (parent && usbDisks.has(parent.path)))) d.tran = 'usb';
    }
    const candidates = cameraCandidates(devices, { includeLoopDevices: opts.includeLoopDevices }).filter((d) => {
      if (d.type === 'loop' && opts.loopBackingDir) {
        const backing = loopBackingFile(d);
        if (!backing || !isUnder(backing, [path.resolve(opts.loopBackingDir)])) return false;
      }
      return !(d.mountpoint && isUnder(d.mountpoint, opts.mountRoots));
    });
    const { added, removed } = diffDevices(known, candidates, devices);
    for (const devPath of removed) {
      const entry = known.get(devPath);
      known.delete(devPath);
      await entry?.mounted?.unmount().catch((err: Error) => opts.log.warn(`unmount after removal: ${err.message}`));
      em.emit('undocked', devPath);
    }
    // Mounted several at a time: 16 cameras docked together must not wait for 15 mounts (a FUSE
    // mount takes ~0.5-1 s under load) before the last one starts.
    const work: (() => Promise<void>)[] = [];
    for (const d of added) {
      const entry: Known = d.uuid ? { uuid: d.uuid } : {};
      known.set(d.path, entry);
      work.push(() => attempt(d, entry));
    }
    // Devices whose mount failed earlier and whose next try is due (still plugged in).
    const now = Date.now();
    for (const d of candidates) {
      const entry = known.get(d.path);
      if (entry?.failures && !entry.gaveUp && !entry.mounted && (entry.retryAt ?? 0) <= now && !added.includes(d)) work.push(() => attempt(d, entry));
    }
    await runBounded(work, MOUNTS_AT_ONCE);
  };

  const attempt = async (d: CameraCandidate, entry: Known) => {
    try {
      let root = d.mountpoint;
      if (!root) {
        entry.mounted = await mountReadOnly(d.path, d.fstype ?? '', path.join(opts.mountBase, d.name), { log: opts.log });
        root = entry.mounted.mountpoint;
      }
      const mounted = entry.mounted;
      const volume: DockedVolume = {
        root, source: 'block',
        device: {
          path: d.path, ...(d.fstype ? { fstype: d.fstype } : {}), ...(d.label ? { label: d.label } : {}),
          ...(d.vendor ? { vendor: d.vendor } : {}), ...(d.model ? { model: d.model } : {}),
          ...(d.serial ? { serial: d.serial } : {}), size: d.size, ...(d.uuid ? { uuid: d.uuid } : {}),
          ...(d.partUuid ? { partUuid: d.partUuid } : {}),
          ...usbFields(d),
        },
        ...(mounted ? { withWritable: mounted.withWritable } : {}),
      };
      entry.failures = 0;
      em.emit('docked', { volume, release: async () => { await mounted?.unmount(); } } satisfies BlockDock);
    } catch (err) {
      const error = (err as Error).message;
      const failures = (entry.failures ?? 0) + 1;
      entry.failures = failures;
      const wait = delays[failures - 1];
      if (wait === undefined) {
        entry.gaveUp = true;
        opts.log.warn(`cannot mount camera volume ${d.path} (try ${failures}, giving up until it is unplugged): ${error}`);
        const failure: DockFailure = { device: d.path, ...(d.label ? { label: d.label } : {}),
          ...(d.serial ?? usbFields(d).serial ? { serial: d.serial ?? usbFields(d).serial } : {}), attempts: failures, error };
        em.emit('dock-failed', failure);
        return;
      }
      opts.log.warn(`cannot mount camera volume ${d.path} (try ${failures}, next in ${Math.round(wait / 100) / 10} s): ${error}`);
      entry.retryAt = Date.now() + wait;
      const t = setTimeout(() => { retryTimers.delete(t); tick(); }, wait);
      retryTimers.add(t);
    }
  };

  const tick = () => {
    if (closed) return;
    if (scanning) { again = true; return; }
    scanning = scan().catch((err: Error) => { em.emit('error', err); }).finally(() => {
      scanning = undefined;
      if (again && !closed) { again = false; tick(); }
    });
  };
  const loop = () => { tick(); if (!closed) timer = setTimeout(loop, opts.pollMs); };
  setImmediate(loop);

  em.rescan = tick;
  em.close = async () => {
    closed = true;
    if (timer) clearTimeout(timer);
    for (const t of retryTimers) clearTimeout(t);
    retryTimers.clear();
    await scanning;
    for (const e of known.values()) await e.mounted?.unmount().catch(() => {});
    known.clear();
  };
  return em;
}

/**
 * USB ids of the device a block device sits on, read from sysfs (no udev needed): walk up from
 * /sys/class/block/<name> to the first directory with idVendor/idProduct.
 */
export function usbIdsOf(name: string, sys = '/sys/class/block'): { usbVid: string; usbPid: string; usbSerial?: string } | undefined {
  let dir: string;
  try { dir = fs.realpathSync(path.join(sys, name)); } catch { return undefined; }
  const sysRoot = fs.realpathSync(path.resolve(sys, '../..'));
  for (let i = 0; i < 12 && dir.startsWith(`${sysRoot}/`); i++, dir = path.dirname(dir)) {
    try {
      const vid = fs.readFileSync(path.join(dir, 'idVendor'), 'utf8').trim();
      const pid = fs.readFileSync(path.join(dir, 'idProduct'), 'utf8').trim();
      let serial: string | undefined;
      try { serial = fs.readFileSync(path.join(dir, 'serial'), 'utf8').trim() || undefined; } catch { /* none */ }
      return { usbVid: vid, usbPid: pid, ...(serial ? { usbSerial: serial } : {}) };
    } catch { /* not this level */ }
  }
  return undefined;
}

/**
 * Mounts left under `mountBase` by a daemon that was killed (SIGKILL, power loss of the process)
 * would keep their loop/USB devices busy and hide a re-docked camera: detach them lazily at start.
 */
export async function releaseStaleMounts(mountBase: string, log: DockLog): Promise<number> {
  const base = path.resolve(mountBase);
  const stale = (await readMounts()).filter((m) => isUnder(m.mountpoint, [base]) && m.mountpoint !== base).reverse();
  for (const m of stale) {
    const r = await run('umount', ['-l', m.mountpoint], { timeoutMs: 30_000 }).catch(() => undefined);
    if (r?.code !== 0) await run('fusermount', ['-u', '-z', m.mountpoint], { timeoutMs: 30_000 }).catch(() => undefined);
    log.warn(`released a mount left by an earlier run: ${m.mountpoint}`);
  }
  return stale.length;
}
