// Text that came from a camera (file names, serials, labels, identity files) is shown in logs,
// tables and alerts. Control characters in it could forge log lines or drive a terminal (ESC
// sequences), so they are shown escaped: \n, \r, \t, \e and \xHH / \u{...} for the rest.

// C0 controls, DEL, C1 controls, and the Unicode line/paragraph separators and bidi overrides.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

/** Pure: `text` with every control character escaped; a backslash itself is left as is. */
export function escapeControl(text: string): string {
  return text.replace(CONTROL, (c) => {
    const named = NAMED[c];
    if (named) return named;
    const code = c.codePointAt(0) ?? 0;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
}

/** Pure: true when the text holds anything escapeControl would change. */
export function hasControl(text: string): boolean {
  CONTROL.lastIndex = 0;
  const found = CONTROL.test(text);
  CONTROL.lastIndex = 0;
  return found;
}
