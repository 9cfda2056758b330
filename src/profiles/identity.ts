// Reads who a camera is from its volume (identity file method). Other methods (zfy, label,
// usbSerial) are answered by the dock layer, which passes what it learnt in `hints`.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';

export interface CameraIdentity { serial?: string; badge?: string; model?: string; name?: string; unit?: string }

/** Parses `key=value` lines (# comments, blank lines allowed). Pure. */
export function parseIdentityFile(text: string): CameraIdentity {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim();
  }
  const id: CameraIdentity = {};
  for (const k of ['serial', 'badge', 'model', 'name', 'unit'] as const) if (out[k]) id[k] = out[k];
  return id;
}

export async function readIdentity(root: string, profile: Profile, hints: CameraIdentity = {}): Promise<CameraIdentity> {
  if (profile.identity.method === 'identityFile' && profile.identity.file) {
    const file = path.join(root, profile.identity.file);
    try {
      const st = await fs.lstat(file);
      if (!st.isFile()) return { ...hints };
      const text = await fs.readFile(file, 'utf8');
      return { ...hints, ...parseIdentityFile(text) };
    } catch {
      return { ...hints };
    }
  }
  return { ...hints };
}

/** Which profile claims a mounted volume: the first whose marker file exists (plain-directory path). */
export async function profileForVolume(root: string, profiles: Profile[]): Promise<Profile | undefined> {
  for (const p of profiles) {
    const marker = p.match.markerFile;
    if (!marker) continue;
    const st = await fs.lstat(path.join(root, marker)).catch(() => undefined);
    if (st?.isFile()) return p;
  }
  return undefined;
}
