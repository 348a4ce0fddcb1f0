import type pg from 'pg';
import type { SchemaRef, TypeRef } from '../model/types.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';

/** A model type as the server resolved it: its oid and `format_type` name, or null when no such type exists. */
export interface ResolvedType {
  oid: string;
  name: string;
}

/** The schema a model object lives in once applied: the placeholder is the verify schema. */
export function schemaName(ref: SchemaRef, tenantSchema: string): string | null {
  if (ref.kind === 'placeholder') return tenantSchema;
  if (ref.kind === 'named') return ref.name;
  return null;
}

/** The type as SQL text, e.g. `"tenant"."mood"[]` or `"int4"`. */
export function typeText(type: TypeRef, tenantSchema: string, quoteName = true): string {
  const schema = schemaName(type.schema, tenantSchema);
  const name = quoteName ? quoteIdentifier(type.name) : type.name;
  return `${schema === null ? '' : `${quoteIdentifier(schema)}.`}${name}${'[]'.repeat(type.arrayDimensions)}`;
}

/**
 * Resolves model types on the server (inside the transaction whose search path is the verify schema), so the
 * comparison uses PostgreSQL's own name resolution rather than a copy of its alias table. Built-in names that only
 * parse unquoted (`double precision`) get a second, unquoted attempt.
 */
export class TypeResolver {
  readonly #cache = new Map<string, ResolvedType | null>();

  constructor(
    private readonly client: pg.ClientBase,
    private readonly tenantSchema: string,
  ) {}

  async resolve(type: TypeRef): Promise<ResolvedType | null> {
    const key = typeText(type, this.tenantSchema);
    if (this.#cache.has(key)) return this.#cache.get(key)!;
    let resolved = await this.#lookup(key);
    if (!resolved && type.schema.kind === 'unqualified' && /^[a-z][a-z0-9_ ]*$/.test(type.name)) {
      resolved = await this.#lookup(typeText(type, this.tenantSchema, false));
    }
    this.#cache.set(key, resolved);
    return resolved;
  }

  async #lookup(text: string): Promise<ResolvedType | null> {
    const { rows } = await this.client.query<{ oid: string | null; name: string | null }>(
      `SELECT t::oid::text AS oid, format_type(t::oid, NULL) AS name FROM to_regtype($1) AS t`,
      [text],
    );
    const row = rows[0];
    return row?.oid ? { oid: row.oid, name: row.name! } : null;
  }
}
