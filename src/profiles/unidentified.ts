// A camera that names no serial (no identity file, label or vendor answer, nothing in its file
// names) still gets a device identity of its own, from the best evidence the dock has, so two
// unidentified cameras never share one device record (and one's files never pass for the other's).
// The identity says what it is: UNKNOWN-<evidence>-<value>.
import { createHash } from 'node:crypto';
import type { DockedDevice } from '../dock/volume.js';

export const UNIDENTIFIED_PREFIX = 'UNKNOWN';

export type UnidentifiedEvidence = 'usb-serial' | 'volume-serial' | 'fs-uuid' | 'partition-uuid' | 'directory';

export interface UnidentifiedIdentity { serial: string; evidence: UnidentifiedEvidence; describe: string }

const FAT = new Set(['vfat', 'exfat', 'msdos', 'fat', 'fat32']);

/** Pure: a value reduced to what is safe in an id (letters, digits, - . _), at most 40 characters. */
function token(v: string): string {
  return v.trim().replace(/[^0-9A-Za-z._-]+/g, '_').slice(0, 40);
}

/** True for a device id made here (or the older shared UNKNOWN). */
export function isUnidentified(serial: string): boolean {
  return serial === UNIDENTIFIED_PREFIX || serial.startsWith(`${UNIDENTIFIED_PREFIX}-`);
}

/**
 * Pure: the strongest evidence first. The USB serial string names the device (if the maker set a
 * unique one); a FAT/exFAT volume serial number (blkid's UUID for vfat/exfat) is written at
 * format time; a partition UUID likewise; for a plain directory (no device at all), its path.
 */
export function unidentifiedIdentity(device: DockedDevice, root: string): UnidentifiedIdentity {
  const usb = device.serial && token(device.serial);
  if (usb) return { serial: `${UNIDENTIFIED_PREFIX}-USB-${usb}`, evidence: 'usb-serial', describe: `USB serial ${device.serial}` };
  const uuid = device.uuid && token(device.uuid);
  if (uuid) {
    const fat = FAT.has(device.fstype ?? '');
    return fat
      ? { serial: `${UNIDENTIFIED_PREFIX}-VOLSN-${uuid.toUpperCase()}`, evidence: 'volume-serial', describe: `${device.fstype} volume serial number ${device.uuid}` }
      : { serial: `${UNIDENTIFIED_PREFIX}-FSUUID-${uuid}`, evidence: 'fs-uuid', describe: `file-system UUID ${device.uuid}` };
  }
  const part = device.partUuid && token(device.partUuid);
  if (part) return { serial: `${UNIDENTIFIED_PREFIX}-PART-${part}`, evidence: 'partition-uuid', describe: `partition UUID ${device.partUuid}` };
  const h = createHash('sha256').update(root).digest('hex').slice(0, 12).toUpperCase();
  return { serial: `${UNIDENTIFIED_PREFIX}-DIR-${h}`, evidence: 'directory', describe: `the directory ${root} (no device evidence)` };
}
