import type { SchemaRef } from '../model/types.js';

/**
 * The schema an object lands in once the files are installed: `{schema}` and unqualified names both mean the tenant
 * schema (the client sets it as the search path), a named schema is itself.
 */
export function installedSchemaKey(schema: SchemaRef): string {
  return schema.kind === 'named' ? `named:${schema.name}` : 'tenant';
}
