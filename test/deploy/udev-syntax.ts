// A structural check of udev rules files (udev(7) syntax) for hosts whose udevadm has no `verify`
// (systemd < 254): every line a comment, blank, or comma-separated KEY{attr}OP"value" pairs with
// known keys, match operators only on match keys, and every GOTO with its LABEL.

const MATCH_KEYS = new Set(['ACTION', 'DEVPATH', 'KERNEL', 'KERNELS', 'NAME', 'SYMLINK', 'SUBSYSTEM', 'SUBSYSTEMS',
  'DRIVER', 'DRIVERS', 'ATTR', 'ATTRS', 'SYSCTL', 'ENV', 'CONST', 'TAG', 'TAGS', 'TEST', 'PROGRAM', 'RESULT']);
const ASSIGN_KEYS = new Set(['NAME', 'SYMLINK', 'OWNER', 'GROUP', 'MODE', 'SECLABEL', 'ATTR', 'SYSCTL', 'ENV', 'TAG',
  'RUN', 'LABEL', 'GOTO', 'IMPORT', 'OPTIONS']);
const NEEDS_ATTR = new Set(['ATTR', 'ATTRS', 'ENV', 'SYSCTL', 'CONST', 'SECLABEL', 'IMPORT']);
const PAIR = /^([A-Z_]+)(?:\{([^}]+)\})?(==|!=|\+=|-=|:=|=)"([^"]*)"/;

export interface UdevPair { key: string; attr?: string; op: string; value: string }

/** Problems as `line N: message`; an empty list when the file is well-formed. */
export function checkUdevRules(text: string): string[] {
  const problems: string[] = [];
  const labels = new Set<string>();
  const gotos: [number, string][] = [];
  text.split('\n').forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (raw.endsWith('\\')) { problems.push(`line ${n}: continuation lines are not used here`); return; }
    const pairs: UdevPair[] = [];
    let rest = line;
    for (;;) {
      const m = PAIR.exec(rest);
      if (!m) { problems.push(`line ${n}: cannot parse at ${JSON.stringify(rest.slice(0, 30))}`); return; }
      const [all, key, attr, op, value] = m as unknown as [string, string, string | undefined, string, string];
      pairs.push({ key, attr, op, value });
      rest = rest.slice(all.length);
      if (rest.trim() === '') break;
      const sep = /^\s*,\s*/.exec(rest);
      if (!sep) { problems.push(`line ${n}: pairs must be separated by commas at ${JSON.stringify(rest.slice(0, 30))}`); return; }
      rest = rest.slice(sep[0].length);
    }
    for (const p of pairs) {
      const isMatch = p.op === '==' || p.op === '!=';
      if (isMatch ? !MATCH_KEYS.has(p.key) : !ASSIGN_KEYS.has(p.key)) problems.push(`line ${n}: ${p.key} cannot be used with ${p.op}`);
      if (NEEDS_ATTR.has(p.key) && !p.attr) problems.push(`line ${n}: ${p.key} needs {name}`);
      if (p.key === 'MODE' && !/^0?[0-7]{3}$/.test(p.value)) problems.push(`line ${n}: MODE ${p.value} is not octal`);
      if ((p.key === 'GROUP' || p.key === 'OWNER') && !/^[a-z_][a-z0-9_-]*$/.test(p.value)) problems.push(`line ${n}: bad ${p.key} ${p.value}`);
      if (p.key === 'LABEL') labels.add(p.value);
      if (p.key === 'GOTO') gotos.push([n, p.value]);
    }
    if (!pairs.some((p) => p.op === '==' || p.op === '!=') && !pairs.every((p) => p.key === 'LABEL')) {
      problems.push(`line ${n}: a rule without a match applies to every device`);
    }
  });
  for (const [n, label] of gotos) if (!labels.has(label)) problems.push(`line ${n}: GOTO ${label} has no LABEL`);
  return problems;
}

/** The rule lines of a file, as pairs (comments and labels left out). */
export function udevRuleLines(text: string): UdevPair[][] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
    const pairs: UdevPair[] = [];
    let rest = l;
    for (let m = PAIR.exec(rest); m; m = PAIR.exec(rest)) {
      pairs.push({ key: m[1]!, attr: m[2], op: m[3]!, value: m[4]! });
      rest = rest.slice(m[0].length).replace(/^\s*,\s*/, '');
    }
    return pairs;
  });
}
