// A camera volume that is a plain directory (`evidock ingest PATH`, the demo, tests): a
// DockedVolume with no device facts and a writable root. The volume label of a plain directory
// cannot exist, so tests and the demo give one in a sidecar file; evidock reads it only here,
// never on a mounted camera, whose label comes from its file system.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { DockedVolume } from '../dock/volume.js';

/** `evidock sim camera --personality labelled DIR` writes the label here (for directories only). */
export const LABEL_SIDECAR = '.evidock-label';

/** The sidecar's label: first line, trimmed, at most 32 characters; undefined when absent. */
export async function readLabelSidecar(root: string): Promise<string | undefined> {
  const file = path.join(root, LABEL_SIDECAR);
  const st = await fs.lstat(file).catch(() => undefined);
  if (!st?.isFile() || st.size > 256) return undefined;
  const label = (await fs.readFile(file, 'utf8')).split(/\r?\n/)[0]?.trim();
  return label ? label.slice(0, 32) : undefined;
}

export async function directoryVolume(root: string, source: DockedVolume['source'] = 'cli'): Promise<DockedVolume> {
  const abs = path.resolve(root);
  const label = await readLabelSidecar(abs);
  return {
    root: abs, source, device: label ? { label } : {},
    // A directory is as writable as its permissions make it: nothing to remount.
    withWritable: (fn) => fn(abs),
  };
}
