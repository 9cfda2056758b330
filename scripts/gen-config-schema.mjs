#!/usr/bin/env node
// Writes config/evidock.schema.json from the compiled zod schema (build first: tsc -p tsconfig.json).
// `--check` only compares and exits 1 when the committed file is stale.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { configJsonSchemaText } from '../dist/config/json-schema.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const target = path.join(root, 'config/evidock.schema.json');
const text = configJsonSchemaText();

if (process.argv.includes('--check')) {
  let current = '';
  try { current = readFileSync(target, 'utf8'); } catch { /* missing counts as stale */ }
  if (current !== text) {
    process.stderr.write(`${path.relative(root, target)} is out of date: run node scripts/gen-config-schema.mjs\n`);
    process.exit(1);
  }
  process.stdout.write(`${path.relative(root, target)} is up to date\n`);
} else {
  writeFileSync(target, text);
  process.stdout.write(`wrote ${path.relative(root, target)}\n`);
}
