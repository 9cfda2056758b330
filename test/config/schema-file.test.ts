// The committed JSON Schema and example must follow the zod schema.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT } from '../helpers/cli.js';
import { configJsonSchemaText } from '../../src/config/json-schema.js';
import { loadConfig } from '../../src/config/load.js';
import { GENERIC_PROFILE } from '../../src/profiles/builtin.js';

const example = path.join(ROOT, 'config/evidock.example.yaml');

describe('config files in config/', () => {
  it('evidock.schema.json is up to date (node scripts/gen-config-schema.mjs)', () => {
    const committed = readFileSync(path.join(ROOT, 'config/evidock.schema.json'), 'utf8');
    expect(committed).toBe(configJsonSchemaText());
  });

  it('the JSON Schema is strict and keeps defaulted keys optional', () => {
    const schema = JSON.parse(configJsonSchemaText());
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required ?? []).toEqual([]);
    expect(Object.keys(schema.properties)).toContain('dataDir');
  });

  it('the example loads without errors and points editors at the schema', () => {
    const text = readFileSync(example, 'utf8');
    expect(text.split('\n')[0]).toBe('# yaml-language-server: $schema=./evidock.schema.json');
    const loaded = loadConfig({ file: example, env: {} });
    expect(loaded.config.officers.length).toBeGreaterThan(0);
    expect(loaded.config.devices.length).toBeGreaterThan(0);
  });

  it('the example profile reproduces the built-in generic profile', () => {
    const loaded = loadConfig({ file: example, env: {} });
    expect(loaded.profiles).toEqual([GENERIC_PROFILE]);
  });
});
