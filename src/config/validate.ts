// YAML text → validated Config, or one ConfigError listing every problem with its position.
import { isScalar, LineCounter, parseDocument, visit, type Document } from 'yaml';
import type { z } from 'zod';
import { configSchema, type Config } from './schema.js';
import { ConfigError, formatPath, type ConfigIssue } from './errors.js';
import { keyOffsetOf, locate, openQuoteOffset, positionOf } from './locate.js';
import { crossChecks } from './checks.js';

type ZodIssue = z.core.$ZodIssue;

interface Ctx { file: string; text: string; doc: Document; lc: LineCounter; raw: unknown }

function at(ctx: Ctx, offset: number, path: readonly PropertyKey[], message: string): ConfigIssue {
  return { file: ctx.file, ...positionOf(ctx.lc, offset), path: formatPath(path), message };
}

// Walks the zod schema along a key path to list the keys an object there accepts (for typo hints).
interface SchemaLike { _zod: { def: { type: string; shape?: Record<string, SchemaLike>; innerType?: SchemaLike; element?: SchemaLike; in?: SchemaLike } } }

function unwrap(s: SchemaLike | undefined): SchemaLike | undefined {
  let cur = s;
  for (;;) {
    const def = cur?._zod.def;
    const inner = def?.innerType ?? (def?.type === 'pipe' ? def.in : undefined);
    if (!inner) return cur;
    cur = inner;
  }
}

function allowedKeys(path: readonly PropertyKey[]): string[] {
  let s = unwrap(configSchema as unknown as SchemaLike);
  for (const seg of path) {
    const def = s?._zod.def;
    s = unwrap(def?.type === 'object' ? def.shape?.[String(seg)] : def?.type === 'array' ? def.element : undefined);
  }
  const shape = s?._zod.def.shape;
  return shape ? Object.keys(shape) : [];
}

function rawAt(raw: unknown, path: readonly PropertyKey[]): unknown {
  let cur = raw;
  for (const seg of path) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[seg];
  }
  return cur;
}

function fromZod(ctx: Ctx, issue: ZodIssue): ConfigIssue[] {
  const path = issue.path;
  if (issue.code === 'unrecognized_keys') {
    const allowed = allowedKeys(path);
    const hint = allowed.length ? ` (allowed here: ${allowed.join(', ')})` : '';
    return issue.keys.map((key) => at(ctx, keyOffsetOf(ctx.doc, path, key), [...path, key], `unknown key${hint}`));
  }
  const loc = locate(ctx.doc, path);
  let message = issue.message;
  if (issue.code === 'invalid_type') {
    const value = rawAt(ctx.raw, path);
    if (!loc.found) {
      message = `required key is missing (expected ${issue.expected})`;
    } else if (issue.expected === 'string' && (typeof value === 'number' || typeof value === 'boolean')
      && loc.node && isScalar(loc.node) && loc.node.range) {
      // YAML reads 000123 as the number 123 and yes as true: badges, serials and codes need quotes.
      const src = ctx.text.slice(loc.node.range[0], loc.node.range[1]);
      message = `${message}; write it in quotes ("${src}") to keep it as text`;
    }
  }
  return [at(ctx, loc.offset, path, message)];
}

function syntaxIssues(ctx: Ctx): ConfigIssue[] {
  return ctx.doc.errors.map((err) => {
    const quote = err.code === 'MISSING_CHAR' && /quote/.test(err.message);
    const offset = (quote ? openQuoteOffset(ctx.doc, err.pos[0]) : undefined) ?? err.pos[0];
    return at(ctx, offset, [], `YAML syntax: ${err.message}`);
  });
}

function firstAliasOffset(doc: Document): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

function byPosition(a: ConfigIssue, b: ConfigIssue): number {
  return (a.line ?? 0) - (b.line ?? 0) || (a.col ?? 0) - (b.col ?? 0);
}

/** Parses and validates configuration text. `file` names the source in messages. Paths are left
 *  as written (relative dataDir is resolved by the loader, which knows the file's directory). */
export function parseConfigText(text: string, file: string): Config {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false, uniqueKeys: true });
  const ctx: Ctx = { file, text, doc, lc, raw: undefined };
  if (doc.errors.length > 0) throw new ConfigError(syntaxIssues(ctx).sort(byPosition));

  try {
    ctx.raw = doc.toJS({ maxAliasCount: 100 }) ?? {};
  } catch (err) {
    // Unresolvable or runaway aliases surface only when converting.
    throw new ConfigError([at(ctx, firstAliasOffset(doc), [], `YAML: ${(err as Error).message}`)]);
  }
  if (typeof ctx.raw !== 'object' || Array.isArray(ctx.raw)) {
    throw new ConfigError([at(ctx, 0, [], 'the configuration must be a mapping of keys (dataDir:, officers:, ...)')]);
  }

  const parsed = configSchema.safeParse(ctx.raw);
  const issues = parsed.success ? [] : parsed.error.issues.flatMap((i) => fromZod(ctx, i));
  for (const extra of crossChecks(ctx.raw)) issues.push(at(ctx, locate(doc, extra.path).offset, extra.path, extra.message));
  if (issues.length > 0 || !parsed.success) throw new ConfigError(issues.sort(byPosition));
  return parsed.data;
}
