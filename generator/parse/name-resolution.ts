import { describeSchema } from '../model/describe.js';
import type { SchemaRef, TypeRef } from '../model/types.js';
import { catalogTypeNames } from './catalog-type-names.js';
import type { SessionSearchPath } from './search-path.js';

export const pgCatalog: SchemaRef = { kind: 'named', name: 'pg_catalog' };
const unqualified: SchemaRef = { kind: 'unqualified' };

/** What name resolution needs to know about the objects that exist. */
export interface SchemaObjects {
  schemaExists(schema: SchemaRef): boolean;
  /** Records that the files use a schema by name, which they could only do if it exists. */
  noteSchema(schema: SchemaRef): void;
  /** Whether a type (or anything with a row type) of this name exists in the schema. */
  hasType(schema: SchemaRef, name: string): boolean;
}

/**
 * Resolves names as PostgreSQL does at the moment a statement runs, through the session's search_path: what a
 * statement handler asks before it changes the catalog. Unknown stays `unqualified`: a path set to something the
 * generator cannot read, or a type no file declares (an extension's).
 */
export interface NameResolver {
  /**
   * Where an object created under this written schema lands: the schema written, else the first schema of the path
   * that exists. Null when none does (PostgreSQL refuses: no schema has been selected to create in).
   */
  creationSchema(written: SchemaRef): SchemaRef | null;
  /**
   * The schemas an unqualified name is looked up in, in order: pg_catalog first unless the path lists it
   * elsewhere, then the path's existing schemas. Null when the path is unknown.
   */
  lookupSchemas(): SchemaRef[] | null;
  /**
   * The type as PostgreSQL resolves it: built-in types (pg_catalog's, and every type the grammar spells with
   * keywords, which the readers qualify with pg_catalog) are `unqualified` with their internal name, as the model
   * writes them; user types carry the schema the path finds them in.
   */
  resolveType(type: TypeRef): TypeRef;
}

export function nameResolver(path: SessionSearchPath, objects: SchemaObjects): NameResolver {
  const sameSchema = (left: SchemaRef, right: SchemaRef) =>
    left.kind === right.kind && (left.kind !== 'named' || left.name === (right as { name: string }).name);
  const lookupSchemas = (): SchemaRef[] | null => {
    const current = path.current;
    if (current === null) return null;
    const existing = current.filter((schema) => objects.schemaExists(schema));
    return existing.some((schema) => sameSchema(schema, pgCatalog)) ? existing : [pgCatalog, ...existing];
  };
  return {
    creationSchema(written) {
      if (written.kind !== 'unqualified') {
        objects.noteSchema(written);
        return written;
      }
      const current = path.current;
      if (current === null) return unqualified;
      return current.find((schema) => objects.schemaExists(schema)) ?? null;
    },
    lookupSchemas,
    resolveType(type) {
      if (type.schema.kind === 'named' && type.schema.name === 'pg_catalog') return { ...type, schema: unqualified };
      if (type.schema.kind !== 'unqualified') {
        objects.noteSchema(type.schema);
        return type;
      }
      for (const schema of lookupSchemas() ?? [pgCatalog]) {
        if (sameSchema(schema, pgCatalog)) {
          if (catalogTypeNames.has(type.name)) return type;
        } else if (objects.hasType(schema, type.name)) return { ...type, schema };
      }
      return type;
    },
  };
}

/** PostgreSQL's refusal of an unqualified CREATE when no schema of the search path exists (`invalid-schema`). */
export function noCreationSchema(path: SessionSearchPath, placeholder: string): string {
  const listed = (path.current ?? []).map((entry) => describeSchema(entry, placeholder));
  return `no schema has been selected to create in: none of the search_path (${listed.join(', ') || 'empty'}) exists`;
}
