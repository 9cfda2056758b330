// A camera volume given as a directory (`evidock ingest PATH`, the demo, tests): a DockedVolume
// with a writable root. When the directory is a mount point, the device under it supplies the
// label and UUIDs; a plain directory has none (nothing on the volume stands in for a label).
import path from 'node:path';
import type { DockedVolume } from '../dock/volume.js';
import { mountedDevice } from '../dock/mounted-device.js';

export async function directoryVolume(root: string, source: DockedVolume['source'] = 'cli'): Promise<DockedVolume> {
  const abs = path.resolve(root);
  return {
    root: abs, source, device: await mountedDevice(abs),
    // A directory is as writable as its permissions make it: nothing to remount.
    withWritable: (fn) => fn(abs),
  };
}
