// Who a docked camera is, by the profile's identity method: an identity file on the volume, the
// vendor interface (ZFY info, read by the caller and passed in), the volume label or the USB
// serial the host saw. Nothing here decides whether the camera is known: that is the roster's.
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Profile } from '../config/schema.js';
import { compilePattern } from './pattern.js';
import { checkIdentity } from './identity-rules.js';

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

/** Identity files are a few lines; anything bigger is not one (and is reported, not silently skipped). */
export const MAX_IDENTITY_FILE = 64 * 1024;

/** An identity file that exists but cannot be used, with why. */
export interface IdentityFileProblem { file: string; message: string }

async function readIdentityFile(root: string, rel: string, problems?: IdentityFileProblem[]): Promise<CameraIdentity> {
  const file = path.join(root, rel);
  let st: import('node:fs').Stats;
  try { st = await fs.lstat(file); } catch { return {}; } // absent: the fallback method decides
  const refuse = (message: string) => { problems?.push({ file: rel, message: `identity file ${rel} ${message}; not read` }); return {}; };
  if (!st.isFile()) return refuse(st.isSymbolicLink() ? 'is a symbolic link' : 'is not a regular file');
  if (st.size > MAX_IDENTITY_FILE) return refuse(`is ${st.size} bytes (an identity file is at most ${MAX_IDENTITY_FILE})`);
  try {
    return parseIdentityFile(await fs.readFile(file, 'utf8'));
  } catch (err) {
    return refuse(`cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/**
 * The identity an ingest records. Values the dock session settled (hints: checked, possibly an
 * unidentified camera's own id) win over a second reading of the identity file.
 */
export async function readIdentity(root: string, profile: Profile, hints: CameraIdentity = {}): Promise<CameraIdentity> {
  const given = Object.fromEntries(Object.entries(hints).filter(([, v]) => v !== undefined)) as CameraIdentity;
  if (profile.identity.method === 'identityFile' && profile.identity.file) {
    // Invalid values are dropped here too (the dock session has reported them).
    return { ...checkIdentity(await readIdentityFile(root, profile.identity.file), 'identity file').identity, ...given };
  }
  return given;
}

/**
 * Pure: serial (and badge) from a label or USB serial string. With a pattern, its named groups
 * `serial` and `badge`; without one, the whole trimmed value is the serial.
 */
export function identityFromValue(value: string | undefined, pattern?: string): CameraIdentity {
  const v = value?.trim();
  if (!v) return {};
  if (!pattern) return { serial: v };
  const g = compilePattern(pattern).groups(v);
  const id: CameraIdentity = {};
  if (g?.serial) id.serial = g.serial;
  if (g?.badge) id.badge = g.badge;
  return id;
}

export type IdentitySource = 'identityFile' | 'zfy' | 'label' | 'usbSerial' | 'none';

export interface IdentityInput {
  root: string;
  /** From the dock: volume label and USB serial string. */
  label?: string | undefined;
  usbSerial?: string | undefined;
  /** GetZFYInfo's answer, when the profile's method is zfy and the probe ran. */
  zfy?: { serial: string; badge: string; userName: string; unitNo: string } | undefined;
}

async function byMethod(method: Profile['identity']['method'], profile: Profile, input: IdentityInput,
  problems: IdentityFileProblem[]): Promise<CameraIdentity> {
  switch (method) {
    case 'identityFile': return profile.identity.file ? readIdentityFile(input.root, profile.identity.file, problems) : {};
    case 'label': return identityFromValue(input.label, profile.identity.pattern);
    case 'usbSerial': return identityFromValue(input.usbSerial, profile.identity.pattern);
    case 'zfy': {
      const z = input.zfy;
      if (!z) return {};
      const id: CameraIdentity = {};
      if (z.serial.trim()) id.serial = z.serial.trim();
      if (z.badge.trim()) id.badge = z.badge.trim();
      if (z.userName.trim()) id.name = z.userName.trim();
      if (z.unitNo.trim()) id.unit = z.unitNo.trim();
      return id;
    }
  }
}

/** The profile's method, then its fallback when the first gave no serial. */
export async function identifyCamera(profile: Profile, input: IdentityInput):
  Promise<{ identity: CameraIdentity; source: IdentitySource; problems?: IdentityFileProblem[] }> {
  const problems: IdentityFileProblem[] = [];
  const withProblems = <T extends object>(r: T) => (problems.length ? { ...r, problems } : r);
  const first = await byMethod(profile.identity.method, profile, input, problems);
  if (first.serial) return withProblems({ identity: first, source: profile.identity.method });
  const fb = profile.identity.fallback;
  if (fb) {
    const second = await byMethod(fb, profile, input, problems);
    if (second.serial) return withProblems({ identity: { ...first, ...second }, source: fb });
  }
  return withProblems({ identity: first, source: 'none' as IdentitySource });
}

