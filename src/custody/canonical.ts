// Canonical JSON for the audit chain: the same value must always hash to the same bytes,
// whichever process or key order produced it. Object keys are sorted recursively by UTF-16
// code units (as RFC 8785 does), no whitespace, numbers and strings as JSON.stringify writes them.

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export function canonicalJson(value: unknown): string {
  const out = encode(value, '$');
  if (out === undefined) throw new TypeError('canonicalJson: top-level value is not representable in JSON');
  return out;
}

function encode(value: unknown, where: string): string | undefined {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      // NaN/Infinity would silently become null and make two different payloads hash alike.
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: non-finite number at ${where}`);
      return JSON.stringify(value);
    case 'undefined':
      return undefined;
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new TypeError(`canonicalJson: ${typeof value} is not JSON at ${where}`);
  }
  const obj = value as { toJSON?: () => unknown };
  if (typeof obj.toJSON === 'function') return encode(obj.toJSON(), where); // Date → ISO string
  if (Array.isArray(value)) {
    // Like JSON.stringify, holes and undefined inside arrays become null (positions matter).
    return '[' + value.map((v, i) => encode(v, `${where}[${i}]`) ?? 'null').join(',') + ']';
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) {
    // Map, Set, class instances: no faithful JSON form, refuse rather than log "{}".
    throw new TypeError(`canonicalJson: unsupported object at ${where}`);
  }
  const rec = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(rec).sort()) {
    const enc = encode(rec[key], `${where}.${key}`);
    if (enc !== undefined) parts.push(JSON.stringify(key) + ':' + enc); // undefined members are omitted
  }
  return '{' + parts.join(',') + '}';
}
