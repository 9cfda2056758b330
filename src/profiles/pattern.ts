// Profile regexes (file names, labels, vendor/model strings, identity patterns) run on RE2
// (re2js: pure JavaScript, linear time in the input). JavaScript's own backtracking engine can take
// minutes on one crafted name — `^(?<serial>(\w+)+)_…` against 34 characters froze the station
// with SIGTERM ignored — and camera file names are untrusted input. RE2 has no lookaround and no
// backreferences; a profile that uses them is refused when the configuration is loaded.
import { RE2JS } from 're2js';

export interface Pattern {
  readonly source: string;
  test(text: string): boolean;
  /** Named groups of the first match (unmatched groups absent), or undefined when nothing matches. */
  groups(text: string): Record<string, string> | undefined;
}

const cache = new Map<string, Pattern>();

/** Compiles (cached); throws with RE2's message when the pattern is not valid RE2 syntax. */
export function compilePattern(source: string, opts: { ignoreCase?: boolean } = {}): Pattern {
  const key = `${opts.ignoreCase ? 'i' : '-'}${source}`;
  const hit = cache.get(key);
  if (hit) return hit;
  const re = RE2JS.compile(source, opts.ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  const names = Object.keys(re.namedGroups());
  const p: Pattern = {
    source,
    test: (text) => re.matcher(text).find(),
    groups: (text) => {
      const m = re.matcher(text);
      if (!m.find()) return undefined;
      const out: Record<string, string> = {};
      for (const n of names) {
        const v = m.group(n);
        if (v !== null && v !== undefined) out[n] = v;
      }
      return out;
    },
  };
  cache.set(key, p);
  return p;
}

/** Why a pattern cannot be used (for the configuration check), or undefined when it can. */
export function patternProblem(source: string): string | undefined {
  try {
    compilePattern(source);
    return undefined;
  } catch (err) {
    const msg = (err as Error).message;
    return `Invalid regular expression: ${msg} (profile patterns use RE2 syntax, which runs in linear time: no lookahead, lookbehind or backreferences)`;
  }
}
