// Block devices from `lsblk -J -b`: a pure parser, a pure camera filter, and a thin adapter.
import { run, runChecked, MissingToolError, ToolError } from './exec.js';
import { probeFilesystem } from './blkid.js';

export type BlockType = 'disk' | 'part' | 'loop' | 'rom' | 'other';

export interface BlockDevice {
  name: string;
  path: string;
  type: BlockType;
  /** lsblk TYPE as printed (lvm, crypt, raid1… all map to 'other'). */
  rawType: string;
  tran?: string;
  removable: boolean;
  readOnly: boolean;
  hotplug: boolean;
  vendor?: string;
  model?: string;
  serial?: string;
  label?: string;
  fstype?: string;
  /** File-system UUID; for FAT/exFAT the volume serial number written when it was formatted. */
  uuid?: string;
  /** Partition UUID (GPT GUID, or the MBR disk signature and partition number). */
  partUuid?: string;
  size: number;
  mountpoints: string[];
  /** Kernel name of the parent device (sda for sda1). */
  parent?: string;
  /** Whether lsblk listed children (partitions) under this device. */
  hasChildren: boolean;
}

type Raw = Record<string, unknown>;

/** lsblk ≥ 2.33 prints JSON booleans; older ones print "0"/"1" strings. */
function bool(v: unknown): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v !== 0;
  if (typeof v === 'string') return v.trim() === '1' || v.trim().toLowerCase() === 'true';
  return false;
}

/** SCSI vendor/model are space-padded to 8/16 bytes; empty means absent. */
function str(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

function num(v: unknown): number {
  const n = typeof v === 'number' ? v : Number(String(v ?? '').trim());
  return Number.isFinite(n) ? n : 0;
}

function blockType(t: string): BlockType {
  return t === 'disk' || t === 'part' || t === 'loop' || t === 'rom' ? t : 'other';
}

function mountpointsOf(raw: Raw): string[] {
  const list = Array.isArray(raw.mountpoints) ? raw.mountpoints : [raw.mountpoint];
  const out = list.map(str).filter((m): m is string => m !== undefined);
  return [...new Set(out)];
}

function toDevice(raw: Raw, parent: BlockDevice | undefined): BlockDevice {
  const name = str(raw.name) ?? str(raw.kname) ?? '';
  const rawType = str(raw.type) ?? '';
  const dev: BlockDevice = {
    name,
    path: str(raw.path) ?? `/dev/${name}`,
    type: blockType(rawType),
    rawType,
    // Partitions have no TRAN/VENDOR/MODEL of their own: inherit the disk's so a camera's
    // partition can be matched on the USB side.
    tran: str(raw.tran) ?? parent?.tran,
    removable: bool(raw.rm) || (parent?.removable ?? false),
    readOnly: bool(raw.ro),
    hotplug: bool(raw.hotplug) || (parent?.hotplug ?? false),
    vendor: str(raw.vendor) ?? parent?.vendor,
    model: str(raw.model) ?? parent?.model,
    serial: str(raw.serial) ?? parent?.serial,
    label: str(raw.label),
    fstype: str(raw.fstype),
    uuid: str(raw.uuid),
    partUuid: str(raw.partuuid),
    size: num(raw.size),
    mountpoints: mountpointsOf(raw),
    parent: str(raw.pkname) ?? parent?.name,
    hasChildren: Array.isArray(raw.children) && raw.children.length > 0,
  };
  for (const k of Object.keys(dev) as (keyof BlockDevice)[]) if (dev[k] === undefined) delete dev[k];
  return dev;
}

/** Parses `lsblk -J -b …` output (any column set incl. -O) into a flat list, parents first. */
export function parseLsblkJson(text: string): BlockDevice[] {
  const doc = JSON.parse(text) as { blockdevices?: unknown };
  if (!doc || !Array.isArray(doc.blockdevices)) throw new Error('lsblk JSON has no "blockdevices" array');
  const out: BlockDevice[] = [];
  const walk = (list: unknown[], parent: BlockDevice | undefined) => {
    for (const item of list) {
      if (!item || typeof item !== 'object') continue;
      const raw = item as Raw;
      const dev = toDevice(raw, parent);
      out.push(dev);
      if (Array.isArray(raw.children)) walk(raw.children, dev);
    }
  };
  walk(doc.blockdevices, undefined);
  return out;
}

/** File systems cameras are formatted with. */
export const CAMERA_FILESYSTEMS: ReadonlySet<string> = new Set(['vfat', 'exfat', 'ntfs', 'msdos']);

export interface CameraCandidate extends BlockDevice {
  /** First existing mount point, when someone (udisks, an admin) already mounted it. */
  mountpoint?: string;
}

export interface CandidateOptions { includeLoopDevices?: boolean }

/**
 * Devices that may be a docked camera volume: a USB disk or partition carrying a camera file
 * system (a whole disk only when it is not partitioned, i.e. a "superfloppy"), and loop devices
 * when enabled (tests, demo). Already-mounted ones are kept: the daemon reuses that mount.
 */
export function cameraCandidates(devices: BlockDevice[], opts: CandidateOptions = {}): CameraCandidate[] {
  return devices
    .filter((d) => d.fstype !== undefined && CAMERA_FILESYSTEMS.has(d.fstype) && d.size > 0)
    .filter((d) => {
      if (d.type === 'loop') return opts.includeLoopDevices === true;
      if (d.type === 'part') return d.tran === 'usb';
      if (d.type === 'disk') return d.tran === 'usb' && !d.hasChildren;
      return false;
    })
    .map((d) => (d.mountpoints[0] !== undefined ? { ...d, mountpoint: d.mountpoints[0] } : { ...d }));
}

export const LSBLK_COLUMNS = ['NAME', 'PATH', 'TRAN', 'RM', 'RO', 'VENDOR', 'MODEL', 'SERIAL', 'LABEL', 'FSTYPE',
  'SIZE', 'MOUNTPOINT', 'MOUNTPOINTS', 'TYPE', 'HOTPLUG', 'PKNAME', 'UUID', 'PARTUUID'];

export interface ListOptions {
  /**
   * Fill in a missing FSTYPE with `blkid -p` (root only). lsblk takes FSTYPE/LABEL/UUID from the
   * udev database; without udevd (containers, this build host) they are all null.
   */
  probeMissing?: boolean;
  /** Which devices are worth a blkid probe (default: loop and USB devices). */
  probeFilter?: (d: BlockDevice) => boolean;
}

/** Adapter: runs lsblk (and blkid for gaps) and parses the result. */
export async function listBlockDevices(opts: ListOptions = {}): Promise<BlockDevice[]> {
  const args = ['-J', '-b', '-o', LSBLK_COLUMNS.join(',')];
  let r = await run('lsblk', args, { timeoutMs: 15_000 });
  if (r.code !== 0 && /unknown column/i.test(r.stderr)) {
    // util-linux < 2.37 has no MOUNTPOINTS column.
    const cols = LSBLK_COLUMNS.filter((c) => c !== 'MOUNTPOINTS');
    r = await runChecked('lsblk', ['-J', '-b', '-o', cols.join(',')], { timeoutMs: 15_000 });
  } else if (r.code !== 0) {
    throw new ToolError('lsblk', args, r);
  }
  const devices = parseLsblkJson(r.stdout);
  if (opts.probeMissing === false) return devices;
  for (const d of devices) {
    if (d.fstype || d.hasChildren || d.size === 0 || d.mountpoints.length > 0) continue;
    if (!(d.type === 'loop' || d.tran === 'usb')) continue;
    if (opts.probeFilter && !opts.probeFilter(d)) continue;
    try {
      const fs = await probeFilesystem(d.path);
      if (fs?.fstype) {
        d.fstype = fs.fstype;
        if (fs.label) d.label = fs.label;
        if (fs.uuid) d.uuid = fs.uuid;
        if (fs.partUuid && !d.partUuid) d.partUuid = fs.partUuid;
      }
    } catch (err) {
      if (err instanceof MissingToolError) break;
      // Unreadable (not root, vanished): leave it without a file system.
    }
  }
  return devices;
}
