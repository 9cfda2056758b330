// The daemon's configuration for the docking scenarios: test profiles that claim the simulated
// cameras by what the guest's USB stack reports (QEMU's USB id 46f4:0001 and SCSI strings), with
// the built-in `generic` profile's identity file, globs and file-name rule, and that profile last.
import fs from 'node:fs';
import path from 'node:path';
import YAML from 'yaml';
import { REPO_ROOT } from './harness/index.js';

/** SCSI INQUIRY strings of the usb-bot + scsi-hd test camera. */
export const BWC = { vendor: 'EVIDCAM', product: 'BWC-X6 BodyCam' };

export function dockingConfig(dataDir: string): string {
  const generic = YAML.parse(fs.readFileSync(path.join(REPO_ROOT, 'config/profiles/90-generic.yaml'), 'utf8')) as Record<string, unknown>;
  const like = (name: string, description: string, match: Record<string, unknown>) => ({ ...generic, name, description, match });
  const usb = [{ vid: '46f4', pid: '0001' }];
  return YAML.stringify({
    dataDir,
    dock: { blockDevices: true, pollMs: 500, roots: [] },
    ingest: { concurrency: 2 },
    // The guest's scratch disk is far smaller than a station's store: keep the free-space floor below it.
    storage: { minFreeGiB: 0.01 },
    profiles: [
      // Plain usb-storage: QEMU's own SCSI strings.
      like('testcam-qemu', 'test camera on QEMU usb-storage', { usb, vendor: '^QEMU$', model: '^QEMU HARDDISK$' }),
      // usb-bot + scsi-hd carrying a camera's own vendor/model.
      like('testcam-bwc', 'test camera on QEMU usb-bot + scsi-hd', { usb, vendor: `^${BWC.vendor}$`, model: '^BWC-X6\\b' }),
      generic,
    ],
  });
}
