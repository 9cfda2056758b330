// Rules that span several entries (uniqueness), which a per-field schema cannot express.
// They run on the raw parsed YAML, defensively, so they are reported together with schema errors
// instead of only after every type error has been fixed.

export interface RawIssue { path: PropertyKey[]; message: string }

function entries(raw: unknown, key: string): unknown[] {
  if (raw === null || typeof raw !== 'object') return [];
  const list = (raw as Record<string, unknown>)[key];
  return Array.isArray(list) ? list : [];
}

/** Flags each repeat of `field` within the list `listKey` (the first occurrence stays valid). */
function unique(raw: unknown, listKey: string, field: string, what: string): RawIssue[] {
  const seen = new Map<string, number>();
  const issues: RawIssue[] = [];
  entries(raw, listKey).forEach((item, i) => {
    if (item === null || typeof item !== 'object') return;
    const value = (item as Record<string, unknown>)[field];
    if (typeof value !== 'string') return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else issues.push({ path: [listKey, i, field], message: `duplicate ${what} "${value}" (also ${listKey}[${first}])` });
  });
  return issues;
}

export function crossChecks(raw: unknown): RawIssue[] {
  return [
    // A camera matches a profile by name in the custody record; two with one name are ambiguous.
    ...unique(raw, 'profiles', 'name', 'profile name'),
    // Badges and OS users identify the acting person in the audit log.
    ...unique(raw, 'officers', 'badge', 'badge'),
    ...unique(raw, 'officers', 'osUser', 'OS user'),
    ...unique(raw, 'devices', 'serial', 'device serial'),
  ];
}
