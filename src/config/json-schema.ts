// JSON Schema of the config file, generated from the zod schema so editors (yaml-language-server)
// can complete and check config/evidock.example.yaml. Committed as config/evidock.schema.json.
import { z } from 'zod';
import { configSchema } from './schema.js';

export function configJsonSchema(): Record<string, unknown> {
  // io 'input': keys with defaults are optional in the file. draft-07 is what most editors handle.
  const schema = z.toJSONSchema(configSchema, { target: 'draft-7', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = schema;
  return { $schema, title: 'evidock configuration', ...rest };
}

/** The committed file's exact text (stable key order, trailing newline). */
export function configJsonSchemaText(): string {
  return `${JSON.stringify(configJsonSchema(), null, 2)}\n`;
}
