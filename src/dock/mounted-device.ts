// What the block device under a mounted directory says about itself (label, file-system UUID,
// partition UUID), for volumes evidock did not mount: an OS-automounted camera under a dock root,
// or a camera mounted by hand and given to `evidock ingest`. A plain directory has no device:
// nothing on the volume itself is ever taken for its label.
import fs from 'node:fs/promises';
import type { DockedDevice } from './volume.js';
import { mountAt } from './mountinfo.js';
import { probeFilesystem } from './blkid.js';

/**
 * Some FUSE file systems (fusefat) name themselves, not their device, as the mount source: the
 * device is then the /dev argument of the FUSE process serving this mount point.
 */
async function fuseDevice(mountpoint: string): Promise<string | undefined> {
  const pids = (await fs.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
  for (const pid of pids) {
    const argv = (await fs.readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '')).split('\0');
    if (!argv.includes(mountpoint)) continue;
    const dev = argv.find((a) => a.startsWith('/dev/'));
    if (dev) return dev;
  }
  return undefined;
}

export async function mountedDevice(root: string): Promise<DockedDevice> {
  const m = await mountAt(root).catch(() => undefined);
  if (!m) return {};
  const source = m.source.startsWith('/dev/') ? m.source : m.fstype.startsWith('fuse') ? await fuseDevice(root) : undefined;
  if (!source) return {};
  const device: DockedDevice = { path: source };
  // blkid -p reads the device itself (root only); without it the device path is all we know.
  const info = await probeFilesystem(source).catch(() => undefined);
  if (info?.fstype) device.fstype = info.fstype;
  if (info?.label) device.label = info.label;
  if (info?.uuid) device.uuid = info.uuid;
  if (info?.partUuid) device.partUuid = info.partUuid;
  return device;
}
