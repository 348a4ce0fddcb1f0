import { fileURLToPath } from 'node:url';
import { format } from 'prettier';
import { z } from 'zod';
import { configFileSchema } from './schema.js';

/** The committed JSON Schema that `pg-sproc-gen.config.json` names in `"$schema"`. */
export const configJsonSchemaPath = fileURLToPath(new URL('./pg-sproc-gen.schema.json', import.meta.url));

/** The JSON Schema of the config file; draft-07, the draft editors support best. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(configFileSchema, { target: 'draft-07', io: 'input' });
}

/** The file's text, formatted as the project's Prettier settings would leave it. */
export async function configJsonSchemaText(): Promise<string> {
  return format(JSON.stringify(configJsonSchema()), { parser: 'json', printWidth: 120 });
}
