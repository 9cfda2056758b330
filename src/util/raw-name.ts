// File names are bytes, not text: a camera with GBK short names writes names that are not UTF-8.
// A name is kept as its raw bytes (for opening it again) and shown/stored escaped. The escape is
// injective: "\" becomes "\\" and every byte that is not part of valid UTF-8 becomes "\xNN", so
// two different names never share one escaped form. A valid UTF-8 name without "\" is unchanged.
const decoder = new TextDecoder('utf-8', { fatal: true });

/** Escaped text form of a raw name (see above). */
export function escapeName(raw: Buffer): string {
  if (!raw.includes(0x5c)) {
    try { return decoder.decode(raw); } catch { /* invalid: escape byte by byte below */ }
  }
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const len = utf8SequenceLength(raw, i);
    if (len === 0) { out += `\\x${raw[i]!.toString(16).padStart(2, '0')}`; i += 1; continue; }
    const ch = raw.subarray(i, i + len).toString('utf8');
    out += ch === '\\' ? '\\\\' : ch;
    i += len;
  }
  return out;
}

/** Raw bytes back from an escaped name (inverse of escapeName). */
export function unescapeName(text: string): Buffer {
  if (!text.includes('\\')) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let lit = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && text[i + 1] === '\\') { lit += '\\'; i += 1; continue; }
    const m = c === '\\' ? /^x([0-9a-f]{2})/.exec(text.slice(i + 1, i + 4)) : null;
    if (m) {
      parts.push(Buffer.from(lit, 'utf8'), Buffer.from([parseInt(m[1]!, 16)]));
      lit = '';
      i += 3;
      continue;
    }
    lit += c;
  }
  parts.push(Buffer.from(lit, 'utf8'));
  return Buffer.concat(parts);
}

/** True when the escaped text is not simply the UTF-8 of the raw bytes (so the raw bytes must be kept). */
export function needsRaw(raw: Buffer, escaped: string): boolean {
  return !raw.equals(Buffer.from(escaped, 'utf8'));
}

/** Length of the well-formed UTF-8 sequence at i, or 0 when the byte there starts none. */
function utf8SequenceLength(b: Buffer, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const len = c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
  if (len === 0 || i + len > b.length) return 0;
  for (let k = 1; k < len; k++) if ((b[i + k]! & 0xc0) !== 0x80) return 0;
  const c1 = b[i + 1]!;
  if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
  if (c === 0xed && c1 >= 0xa0) return 0; // surrogate
  if (c === 0xf0 && c1 < 0x90) return 0; // overlong
  if (c === 0xf4 && c1 >= 0x90) return 0; // beyond U+10FFFF
  return len;
}

/** root/rel joined as bytes (path.join refuses Buffers). */
export function joinRaw(...parts: Buffer[]): Buffer {
  const out: Buffer[] = [];
  parts.forEach((p, i) => {
    if (p.length === 0) return;
    if (out.length > 0 && i > 0) out.push(Buffer.from('/'));
    out.push(p);
  });
  return Buffer.concat(out);
}
