// Pure rules for identity values a camera supplies about itself (identity file, label, USB serial,
// vendor interface, file names). They end up as device ids in custody, in logs and on screens, so
// they are checked before they are believed: a sane length, only characters an id is made of, and
// the roster's format for badges. A value that fails is not stored; the caller raises identity-invalid.
import { escapeControl } from '../util/escape.js';
import type { CameraIdentity } from './identity.js';

export const MAX_ID_LENGTH = 64;
const ID_CHARS = /^[0-9A-Za-z._-]+$/;
/** The roster's badge format (config officers[].badge). */
const BADGE = /^[0-9A-Za-z]{6}$/;
/** Free text (officer name, unit): printable, bounded. */
const MAX_TEXT = 128;

export interface IdentityProblem { field: string; source: string; message: string }

/** Pure: a value shown in a message: escaped and cut, so the message itself stays sane. */
export function showValue(v: string): string {
  const shown = escapeControl(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return `"${shown}"${v.length > 40 ? ` (${v.length} characters)` : ''}`;
}

/** Pure: why `serial` cannot be a device id, or undefined. */
export function serialProblem(serial: string): string | undefined {
  if (serial.length > MAX_ID_LENGTH) return `is ${serial.length} characters long (at most ${MAX_ID_LENGTH})`;
  if (!ID_CHARS.test(serial)) return 'holds characters a device id cannot have (letters, digits, ".", "_", "-" only)';
  return undefined;
}

/** Pure: why `badge` cannot be a badge number, or undefined. */
export function badgeProblem(badge: string): string | undefined {
  if (!BADGE.test(badge)) return 'is not a badge number (6 letters or digits)';
  return undefined;
}

function textProblem(text: string): string | undefined {
  if (text.length > MAX_TEXT) return `is ${text.length} characters long (at most ${MAX_TEXT})`;
  if (escapeControl(text) !== text) return 'holds control characters';
  return undefined;
}

/** Pure: the identity with every invalid value removed, and what was removed. */
export function checkIdentity(id: CameraIdentity, source: string): { identity: CameraIdentity; problems: IdentityProblem[] } {
  const out: CameraIdentity = {};
  const problems: IdentityProblem[] = [];
  const rules: [keyof CameraIdentity, (v: string) => string | undefined][] = [
    ['serial', serialProblem], ['badge', badgeProblem], ['model', textProblem], ['name', textProblem], ['unit', textProblem],
  ];
  for (const [field, rule] of rules) {
    const v = id[field];
    if (v === undefined) continue;
    const why = rule(v);
    if (why) problems.push({ field, source, message: `${field} ${showValue(v)} from the ${source} ${why}; not used` });
    else out[field] = v;
  }
  return { identity: out, problems };
}
