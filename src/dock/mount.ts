// Read-only mounting of a camera volume: the kernel driver when there is one, else FUSE.
// Never read-write: every command carries `ro`, and the result is checked in mountinfo.
import { mkdir, realpath, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { run, runChecked, sleep, stderrLog, MissingToolError, type DockLog, type RunResult } from './exec.js';
import { kernelFilesystems, mountAt } from './mountinfo.js';

export type CameraFs = 'vfat' | 'exfat' | 'ntfs';
export type MountMethod = 'kernel' | 'fuse';

export interface Mounted {
  mountpoint: string;
  device: string;
  fstype: CameraFs;
  method: MountMethod;
  unmount(): Promise<void>;
  /**
   * Runs fn with the volume writable (clock file, wipe-after-verify), then makes it read-only
   * again and checks that it is. The only path by which evidock writes to a camera.
   */
  withWritable<T>(fn: (root: string) => Promise<T>): Promise<T>;
}

export interface MountOptions {
  /** 'auto' (default): kernel when it has the driver, FUSE otherwise or when the kernel mount fails. */
  prefer?: 'auto' | 'kernel' | 'fuse';
  log?: DockLog;
}

export const RO_OPTIONS = 'ro,nosuid,nodev,noexec';

/** Maps blkid/lsblk names to the driver family; undefined for file systems we don't mount. */
export function normaliseFstype(t: string): CameraFs | undefined {
  const s = t.toLowerCase();
  if (['vfat', 'msdos', 'fat', 'fat12', 'fat16', 'fat32'].includes(s)) return 'vfat';
  if (s === 'exfat') return 'exfat';
  if (s === 'ntfs' || s === 'ntfs3') return 'ntfs';
  return undefined;
}

interface Cmd { cmd: string; args: string[] }

export function kernelMountCommand(kernelName: string, device: string, mp: string): Cmd {
  return { cmd: 'mount', args: ['-t', kernelName, '-o', RO_OPTIONS, device, mp] };
}

/**
 * FUSE drivers. fusefat (0.1a) is read-only unless given `-o rw+` and refuses to start without
 * either `-o ro` or `-o rw+`; mount.exfat-fuse and ntfs-3g mount read-write unless given `-o ro`.
 */
export function fuseMountCommand(fs: CameraFs, device: string, mp: string): Cmd {
  switch (fs) {
    case 'vfat': return { cmd: 'fusefat', args: ['-o', RO_OPTIONS, device, mp] };
    case 'exfat': return { cmd: 'mount.exfat-fuse', args: ['-o', RO_OPTIONS, device, mp] };
    case 'ntfs': return { cmd: 'ntfs-3g', args: ['-o', RO_OPTIONS, device, mp] };
  }
}

/** Kernel driver names to look for, best first. */
function kernelNames(fs: CameraFs): string[] {
  return fs === 'ntfs' ? ['ntfs3', 'ntfs'] : [fs];
}

async function kernelDriver(fs: CameraFs): Promise<string | undefined> {
  for (const name of kernelNames(fs)) {
    if ((await kernelFilesystems()).has(name)) return name;
    try {
      const r = await run('modprobe', ['-q', name], { timeoutMs: 15_000 });
      if (r.code === 0 && (await kernelFilesystems()).has(name)) return name;
    } catch (err) {
      if (!(err instanceof MissingToolError)) throw err;
    }
  }
  return undefined;
}

function describe(r: RunResult): string {
  return (r.stderr.trim().split('\n').pop() ?? '') || `exit ${r.code ?? r.signal}`;
}

export async function mountReadOnly(device: string, fstype: string, mountpoint: string, opts: MountOptions = {}): Promise<Mounted> {
  const log = opts.log ?? stderrLog;
  const fs = normaliseFstype(fstype);
  if (!fs) throw new Error(`not a camera file system: ${fstype} on ${device}`);
  const created = (await mkdir(mountpoint, { recursive: true })) !== undefined;
  const mp = await realpath(path.resolve(mountpoint));
  if (await mountAt(mp)) throw new Error(`${mp} is already a mount point`);

  const prefer = opts.prefer ?? 'auto';
  const errors: string[] = [];
  const tryMount = async (method: MountMethod, c: Cmd): Promise<Mounted | undefined> => {
    let r: RunResult;
    try {
      // FUSE drivers fork a daemon that keeps our pipes: wait for the launcher's exit only.
      r = await run(c.cmd, c.args, { timeoutMs: 60_000, waitFor: method === 'fuse' ? 'exit' : 'close' });
    } catch (err) {
      errors.push(`${c.cmd}: ${(err as Error).message}`);
      return undefined;
    }
    const entry = await mountAt(mp);
    // fusefat dies of SIGFPE on a non-FAT or missing device and may exit 0 without mounting.
    if (r.code !== 0 || !entry) {
      errors.push(`${c.cmd}: ${describe(r)}`);
      if (entry) await run('umount', [mp]);
      return undefined;
    }
    const mounted = makeMounted(device, fs, mp, method, created, log);
    if (!entry.options.includes('ro')) {
      await mounted.unmount();
      throw new Error(`${c.cmd} mounted ${device} read-write at ${mp}; refused and unmounted`);
    }
    if (method === 'fuse' && !['nosuid', 'nodev', 'noexec'].every((o) => entry.options.includes(o))) {
      // mount.exfat-fuse drops noexec; a bind remount sets the per-mount flags for any fs.
      const rr = await run('mount', ['-o', `remount,bind,${RO_OPTIONS}`, mp]);
      if (rr.code !== 0) log.warn('could not add nosuid,nodev,noexec to FUSE mount', { mountpoint: mp, error: describe(rr) });
    }
    return mounted;
  };

  if (prefer !== 'fuse') {
    const name = await kernelDriver(fs);
    if (name) {
      const m = await tryMount('kernel', kernelMountCommand(name, device, mp));
      if (m) return m;
    } else {
      errors.push(`kernel: no ${fs} driver in /proc/filesystems and modprobe could not load one`);
    }
  }
  if (prefer !== 'kernel') {
    const m = await tryMount('fuse', fuseMountCommand(fs, device, mp));
    if (m) return m;
  }
  if (created) await rmdir(mp).catch(() => {});
  throw new Error(`could not mount ${device} (${fs}) read-only at ${mp}: ${errors.join('; ')}`);
}

const BUSY = /busy/i;

function makeMounted(device: string, fstype: CameraFs, mp: string, method: MountMethod, created: boolean, log: DockLog): Mounted {
  let done = false;
  const once = async (lazy: boolean): Promise<RunResult> => {
    if (method === 'fuse') {
      try {
        return await run('fusermount', lazy ? ['-u', '-z', mp] : ['-u', mp], { timeoutMs: 30_000 });
      } catch (err) {
        if (!(err instanceof MissingToolError)) throw err;
      }
    }
    return run('umount', lazy ? ['-l', mp] : [mp], { timeoutMs: 30_000 });
  };
  const remount = async (writable: boolean) => {
    if (method === 'kernel') {
      await runChecked('mount', ['-o', `remount,${writable ? 'rw' : 'ro'}`, mp], { timeoutMs: 30_000 });
    } else {
      // FUSE drivers cannot remount: stop the read-only daemon, start a writable one (or back).
      for (let i = 0; i < 10 && (await mountAt(mp)); i++) {
        const r = await once(false);
        if (r.code === 0) break;
        await sleep(200);
      }
      const c = fuseMountCommand(fstype, device, mp);
      const opts = writable ? (fstype === 'vfat' ? 'rw+,nosuid,nodev,noexec' : 'rw,nosuid,nodev,noexec') : RO_OPTIONS;
      const r = await run(c.cmd, ['-o', opts, device, mp], { timeoutMs: 60_000, waitFor: 'exit' });
      if (r.code !== 0 || !(await mountAt(mp))) throw new Error(`${c.cmd}: remount ${writable ? 'rw' : 'ro'} of ${device} failed: ${describe(r)}`);
    }
    const entry = await mountAt(mp);
    const isRo = entry?.options.includes('ro') ?? false;
    if (isRo === writable) throw new Error(`${mp}: still ${isRo ? 'read-only' : 'read-write'} after remount`);
  };
  return {
    mountpoint: mp, device, fstype, method,
    async withWritable<T>(fn: (root: string) => Promise<T>): Promise<T> {
      await remount(true);
      try {
        return await fn(mp);
      } finally {
        await run('sync', ['-f', mp], { timeoutMs: 60_000 }).catch(() => undefined);
        await remount(false);
      }
    },
    async unmount() {
      if (done) return;
      let last: RunResult | undefined;
      for (let i = 0; i < 10 && (await mountAt(mp)); i++) {
        last = await once(false);
        if (last.code === 0) break;
        if (!BUSY.test(last.stderr)) throw new Error(`unmount ${mp}: ${describe(last)}`);
        await sleep(200);
      }
      if (await mountAt(mp)) {
        // Still busy after ~2 s (a reader we don't own): detach lazily so the dock can finish.
        log.warn('mount point still busy; unmounting lazily', { mountpoint: mp, error: last ? describe(last) : '' });
        const r = await once(true);
        if (r.code !== 0) throw new Error(`lazy unmount ${mp}: ${describe(r)}`);
      }
      done = true;
      if (created) await rmdir(mp).catch(() => {});
    },
  };
}
