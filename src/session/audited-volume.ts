// A camera volume whose read-write remounts are custody events. Every write evidock makes to a
// camera (clock file, wipe) goes through withWritable; the `camera.remount.rw` entry is committed
// BEFORE the remount, so no write reaches a camera without an audit entry naming why, and the
// outcome (`camera.remount.ro`, or `camera.remount.failed` with the error) follows.
import type { Custody } from '../custody/index.js';
import type { DockedVolume } from '../dock/volume.js';

export interface RemountPurpose {
  /** What the camera is made writable for: 'clock-sync', 'wipe'. */
  purpose: string;
  sessionId: number;
  deviceSerial: string;
}

export function auditedVolume(volume: DockedVolume, custody: Pick<Custody, 'appendAudit'>, why: RemountPurpose): DockedVolume {
  if (!volume.withWritable) return volume;
  const facts = { ...why, root: volume.root, devicePath: volume.device.path ?? null, fstype: volume.device.fstype ?? null };
  return {
    ...volume,
    async withWritable<T>(fn: (root: string) => Promise<T>): Promise<T> {
      custody.appendAudit('camera.remount.rw', facts);
      try {
        const out = await volume.withWritable!(fn);
        custody.appendAudit('camera.remount.ro', facts);
        return out;
      } catch (err) {
        custody.appendAudit('camera.remount.failed', { ...facts, error: (err as Error).message });
        throw err;
      }
    },
  };
}
