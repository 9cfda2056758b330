// Built-in camera profiles, used when the config has no `profiles:` key. They are YAML files in
// config/profiles/ (loaded once, at start), so adding a camera model is a YAML change only.
import { fileURLToPath } from 'node:url';
import type { Profile } from '../config/schema.js';
import { loadProfileDir } from './yaml.js';

/** The evidock installation directory: the same relative place from src/ and dist/. */
export const INSTALL_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BUILTIN_PROFILE_DIR = fileURLToPath(new URL('../../config/profiles/', import.meta.url));

export const BUILTIN_PROFILES: Profile[] = loadProfileDir(BUILTIN_PROFILE_DIR);

function builtin(name: string): Profile {
  const p = BUILTIN_PROFILES.find((x) => x.name === name);
  if (!p) throw new Error(`built-in profile ${name} missing from ${BUILTIN_PROFILE_DIR}`);
  return p;
}

/** The `generic` profile: what `evidock sim camera` writes (identity file + DCIM names). */
export const GENERIC_PROFILE: Profile = builtin('generic');
export const ZFY_PROFILE: Profile = builtin('zfy-generic');
export const TIMESET_PROFILE: Profile = builtin('timeset-massstorage');
export const LABELLED_PROFILE: Profile = builtin('labelled-massstorage');

/**
 * What a camera no profile matches is ingested with: every media file anywhere on the volume,
 * times from metadata, never wiped (ARCHITECTURE §2: nothing is dropped). Not matchable itself.
 */
export const UNKNOWN_CAMERA_PROFILE: Profile = {
  name: 'unknown',
  description: 'fallback for a camera no profile matches',
  match: { usb: [] },
  identity: { method: 'usbSerial' },
  files: ['mp4', 'mov', 'avi', 'mkv', 'ts', 'h264', 'h265', 'jpg', 'jpeg', 'png', 'm4a', 'aac', 'wav', 'mp3', 'amr']
    .map((ext) => `**/*.${ext}`),
  startFormat: 'YYYYMMDDHHmmss',
  clock: { method: 'none' },
  wipe: 'never',
};
