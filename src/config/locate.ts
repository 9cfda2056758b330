// Maps a key path (as zod reports it) back to the YAML node it came from, to give file:line:col.
import { isAlias, isMap, isScalar, isSeq, visit, type Document, type LineCounter, type Node } from 'yaml';

export interface Position { line: number; col: number }

interface Step { value: Node | null; key: Node | null }

function keyText(key: unknown): string | undefined {
  return isScalar(key) ? String(key.value) : undefined;
}

function deref(doc: Document, node: Node | null): Node | null {
  // An alias carries no position of its own worth reporting; follow it to its anchor.
  return node !== null && isAlias(node) ? (node.resolve(doc) as Node | undefined) ?? node : node;
}

function child(doc: Document, parent: Node | null, seg: PropertyKey): Step | undefined {
  const node = deref(doc, parent);
  if (isMap(node)) {
    const pair = node.items.find((p) => keyText(p.key) === String(seg));
    return pair ? { value: (pair.value as Node | null) ?? null, key: pair.key as Node } : undefined;
  }
  if (isSeq(node) && typeof seg === 'number') {
    const item = node.items[seg];
    return item === undefined ? undefined : { value: (item as Node | null) ?? null, key: null };
  }
  return undefined;
}

function isEmptyScalar(node: Node | null): boolean {
  const range = node?.range;
  return node !== null && isScalar(node) && node.value === null && !!range && range[0] === range[1];
}

export interface Located {
  /** Where to report: the value (or its key when the value is empty), else the nearest existing ancestor. */
  offset: number;
  /** The node at `path` when the whole path exists. */
  node: Node | null;
  found: boolean;
}

/** Finds `path` in the document; a missing key resolves to the mapping that should hold it. */
export function locate(doc: Document, path: readonly PropertyKey[]): Located {
  let node: Node | null = (doc.contents as Node | null) ?? null;
  let offset = node?.range?.[0] ?? 0;
  for (const seg of path) {
    const step = child(doc, node, seg);
    if (step === undefined) return { offset, node: null, found: false };
    node = step.value;
    const target = node === null || isEmptyScalar(node) ? step.key : node;
    offset = target?.range?.[0] ?? offset;
  }
  return { offset, node: deref(doc, node), found: true };
}

/** Offset of `key` inside the mapping at `path` (for unknown keys: point at the key, not its value). */
export function keyOffsetOf(doc: Document, path: readonly PropertyKey[], key: string): number {
  let node: Node | null = (doc.contents as Node | null) ?? null;
  for (const seg of path) {
    const step = child(doc, node, seg);
    if (step === undefined) return locate(doc, path).offset;
    node = step.value;
  }
  const step = child(doc, node, key);
  return step?.key?.range?.[0] ?? locate(doc, path).offset;
}

/** The yaml parser reports an unclosed quote at the end of the file; the opening quote is more useful. */
export function openQuoteOffset(doc: Document, errorOffset: number): number | undefined {
  let found: number | undefined;
  visit(doc, {
    Scalar(_key, node) {
      const quoted = node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE';
      if (quoted && node.range && node.range[0] < errorOffset && node.range[1] >= errorOffset) {
        found = node.range[0];
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

export function positionOf(lc: LineCounter, offset: number): Position {
  const { line, col } = lc.linePos(offset);
  return { line, col };
}
