// The resume shortcut (issue 7 defects 6 and 12): a file already in custody is skipped without
// copying only on evidence that its content is the recorded one — same device (its row, never
// the shared UNKNOWN identity), path, size and mtime, and the same fingerprint of its first and
// last MiB. Anything less and the file is copied and hashed (deduplication then costs no space).
import { constants as C } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Custody } from '../custody/index.js';
import type { VolumeFile } from '../profiles/enumerate.js';
import { fingerprintHandle } from '../store/fingerprint.js';

/** Pure rule: the recorded fingerprints and the camera file's → may the copy be skipped? */
export function mayShortcut(device: string, recorded: readonly string[], onCamera: string | undefined): boolean {
  if (device === 'UNKNOWN') return false; // an unidentified camera shares its identity with others
  return onCamera !== undefined && recorded.includes(onCamera);
}

async function cameraFingerprint(file: VolumeFile): Promise<string | undefined> {
  try {
    const fh = await open(file.absRaw, C.O_RDONLY | C.O_NOFOLLOW | C.O_NONBLOCK);
    try {
      const st = await fh.stat();
      if (!st.isFile() || st.size !== file.size) return undefined;
      return await fingerprintHandle(fh, st.size);
    } finally {
      await fh.close();
    }
  } catch {
    return undefined; // unreadable now: copying it will say why
  }
}

export async function alreadyInCustody(custody: Custody, device: string, file: VolumeFile): Promise<boolean> {
  if (device === 'UNKNOWN') return false;
  const recorded = custody.resumeFingerprints(device, file.rel, file.size, file.mtimeMs);
  if (recorded.length === 0) return false;
  return mayShortcut(device, recorded, await cameraFingerprint(file));
}
