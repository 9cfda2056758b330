// Camera profiles as YAML files: one profile per file, validated by the config's profileSchema,
// errors as file:line:col like the configuration's. A new camera model needs a file, no code.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { profileSchema, type Profile } from '../config/schema.js';
import { ConfigError, formatPath, type ConfigIssue } from '../config/errors.js';
import { locate, positionOf } from '../config/locate.js';

/** Parses one profile document; `file` names the source in messages. */
export function parseProfileText(text: string, file: string): Profile {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number, p: readonly PropertyKey[], message: string): ConfigIssue =>
    ({ file, ...positionOf(lc, offset), path: formatPath(p), message });
  if (doc.errors.length > 0) throw new ConfigError(doc.errors.map((e) => at(e.pos[0], [], `YAML syntax: ${e.message}`)));
  const raw: unknown = doc.toJS({ maxAliasCount: 100 });
  const parsed = profileSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => at(locate(doc, i.path).offset, i.path, i.message)));
  }
  return parsed.data;
}

/** Every `*.yaml` / `*.yml` file of a directory, in file-name order (which is match order). */
export function loadProfileDir(dir: string): Profile[] {
  const names = readdirSync(dir).filter((n) => /\.ya?ml$/i.test(n)).sort();
  const profiles = names.map((n) => parseProfileText(readFileSync(path.join(dir, n), 'utf8'), path.join(dir, n)));
  const seen = new Set<string>();
  for (const p of profiles) {
    if (seen.has(p.name)) throw new ConfigError([{ file: dir, path: 'name', message: `two profiles named "${p.name}"` }]);
    seen.add(p.name);
  }
  return profiles;
}
