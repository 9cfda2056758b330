import type { Profile } from '../config/schema.js';
import { profileForVolume } from '../profiles/identity.js';

export class ProfileError extends Error { exitCode = 2; }

/** --profile NAME, else the profile whose marker file the volume holds, else the first profile. */
export async function chooseProfile(root: string, profiles: Profile[], name?: string): Promise<Profile> {
  if (name) {
    const p = profiles.find((x) => x.name === name);
    if (!p) throw new ProfileError(`--profile: no profile named "${name}" (have: ${profiles.map((x) => x.name).join(', ')})`);
    return p;
  }
  const byMarker = await profileForVolume(root, profiles);
  if (byMarker) return byMarker;
  const first = profiles[0];
  if (!first) throw new ProfileError('no camera profiles configured');
  return first;
}
