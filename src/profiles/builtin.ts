// Built-in camera profiles, used when the config has no `profiles:` key.
import type { Profile } from '../config/schema.js';

/** The `generic` profile: what `evidock sim camera` writes (identity file + DCIM names). */
export const GENERIC_PROFILE: Profile = {
  name: 'generic',
  match: { usb: [], markerFile: 'DEVICE.ID' },
  identity: { method: 'identityFile', file: 'DEVICE.ID' },
  files: ['DCIM/**/*.MP4', 'DCIM/**/*.JPG', 'DCIM/**/*.M4A'],
  // e.g. DCIM/100MEDIA/20261126_083000_ABC1234_000123_0001.MP4
  filename: '^(?<start>\\d{8}_\\d{6})_(?<serial>[0-9A-Za-z]{7})_(?<badge>[0-9A-Za-z]{6})_(?<seq>\\d{4})\\.',
  startFormat: 'YYYYMMDD_HHmmss',
  clock: { method: 'none' },
  wipe: 'never',
};

export const BUILTIN_PROFILES: Profile[] = [GENERIC_PROFILE];
