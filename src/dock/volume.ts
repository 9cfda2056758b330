// What the dock layer hands to the ingest side: a mounted camera volume and what is known of
// the device it came from. Produced by the detectors (mount roots, block devices, USB).
export interface DockedDevice {
  /** /dev/sdb1, /dev/loop3 … (absent for plain directories and OS-automounted volumes we did not see as devices) */
  path?: string;
  fstype?: string;
  label?: string;
  vendor?: string;
  model?: string;
  /** USB or SCSI serial string as the host sees it */
  serial?: string;
  usbVid?: string;
  usbPid?: string;
  size?: number;
  /** File-system UUID; for FAT/exFAT the volume serial number (evidence of identity for an unidentified camera). */
  uuid?: string;
  /** Partition UUID, when the volume is a partition. */
  partUuid?: string;
}

export interface DockedVolume {
  /** Mounted directory holding the camera's files (read-only when evidock mounted it). */
  root: string;
  /** Which detector saw it first. */
  source: 'mount-root' | 'block' | 'usb' | 'cli';
  device: DockedDevice;
  /**
   * Runs fn with the volume writable (clock file, wipe-after-verify) and makes it read-only
   * again afterwards. Absent when the volume cannot be made writable by evidock.
   */
  withWritable?: <T>(fn: (root: string) => Promise<T>) => Promise<T>;
}
