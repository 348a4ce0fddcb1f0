/**
 * The generator's intermediate model: what the parse stage produces from SQL files and the analyze stage consumes.
 * Both parsers (pgsql-ast-parser and libpg-query) map into exactly these shapes, so a model never says which parser
 * read it except in `Procedure.parsedBy`, which the differential test ignores.
 *
 * Everything here is plain JSON data (no classes, no functions): `generate --print-model` prints it as is.
 */

/** 1-based line and column in the original file text (before any placeholder substitution). */
export interface SourceLocation {
  file: string;
  line: number;
  column: number;
}

/**
 * Where an object lives, as PostgreSQL resolves it while the files are applied (search_path included).
 * `placeholder`: the tenant schema, written as the configured placeholder (default `{schema}`) or reached through
 * the search path; `named`: that schema; `unqualified`: not known (the search path was set to something the
 * generator cannot read; for a type: a built-in, or a type no file declares).
 */
export type SchemaRef = { kind: 'placeholder' } | { kind: 'named'; name: string } | { kind: 'unqualified' };

/**
 * A type as written, normalised so both parsers agree: built-ins use PostgreSQL's internal names (`int8` for
 * `bigint`, `int4` for `integer`/`int`, `bool`, `float8` for `double precision`, `varchar` for `character varying`,
 * `bpchar` for `character`, `timestamptz` for `timestamp with time zone`, `timestamp`, `timetz`, `time`, `numeric`
 * for `decimal`, ...) with `schema: unqualified`; user types carry the schema the search path found them in and
 * their name folded as PostgreSQL folds identifiers (lower-case unless quoted).
 */
export interface TypeRef {
  schema: SchemaRef;
  name: string;
  /** 0 for a plain type, 1 for `text[]`, 2 for `int4[][]`. */
  arrayDimensions: number;
  /** Type modifiers as written, e.g. `[10]` for `varchar(10)`, `[12, 2]` for `numeric(12,2)`. */
  modifiers: number[];
}

export type ParameterMode = 'in' | 'out' | 'inout' | 'variadic';

export interface Parameter {
  /** null for an unnamed parameter (`f(int4)`). Folded like any identifier. */
  name: string | null;
  type: TypeRef;
  mode: ParameterMode;
  hasDefault: boolean;
  /** The default expression's source text as written, or null. */
  defaultText: string | null;
}

export interface Column {
  name: string;
  type: TypeRef;
}

/**
 * The declared result.
 * - `table`: `RETURNS TABLE(...)`.
 * - `scalar`: `RETURNS <type>` (also `record` and composite types; a function with OUT/INOUT parameters and no
 *   RETURNS clause is `scalar` of `record` — the analyze stage derives its row from the OUT parameters).
 * - `setof`: `RETURNS SETOF <type>`.
 * - `void`: `RETURNS void`.
 * - `procedure`: a `CREATE PROCEDURE` (results only through INOUT/OUT parameters).
 */
export type ReturnShape =
  | { kind: 'table'; columns: Column[] }
  | { kind: 'scalar'; type: TypeRef }
  | { kind: 'setof'; type: TypeRef }
  | { kind: 'void' }
  | { kind: 'procedure' };

/**
 * One `@tag args` line from the comment block directly above a definition (or from `COMMENT ON FUNCTION`).
 * The parse stage only splits the line; the analyze stage validates tag and arguments.
 * Known tags (validated in analyze): `@not-null [names...]`, `@required <names...>`, `@json <name> <TypeScript type>`,
 * `@single-row`, `@exactly-one-row`.
 */
export interface RawAnnotation {
  tag: string;
  args: string;
  location: SourceLocation;
}

export interface Procedure {
  /**
   * `aggregate`: `CREATE AGGREGATE`; `window`: `CREATE FUNCTION ... WINDOW`. Both are modelled (so names, overloads
   * and verify see them) and left out of the client, as PostgreSQL calls them only inside queries.
   */
  kind: 'function' | 'procedure' | 'aggregate' | 'window';
  schema: SchemaRef;
  name: string;
  parameters: Parameter[];
  returns: ReturnShape;
  /** Lower-case language name: `plpgsql`, `sql`, ... */
  language: string;
  volatility: 'volatile' | 'stable' | 'immutable';
  security: 'invoker' | 'definer';
  /**
   * SQLSTATEs that can escape the body, sorted and unique: those it raises explicitly (`RAISE ... USING ERRCODE =
   * '...'`, `RAISE SQLSTATE '...'`, condition names such as `unique_violation` mapped to their codes) unless its own
   * EXCEPTION handlers catch them, plus those of the model's functions it calls (transitively).
   */
  raises: string[];
  /** The doc comment's text without comment markers and without annotation lines, or null. */
  doc: string | null;
  annotations: RawAnnotation[];
  location: SourceLocation;
  /** Which parser read the definition. Not part of the model's meaning; the differential test ignores it. */
  parsedBy: 'pgsql-ast-parser' | 'libpg-query';
}

export interface EnumType {
  kind: 'enum';
  schema: SchemaRef;
  name: string;
  values: string[];
  location: SourceLocation;
}

export interface CompositeType {
  kind: 'composite';
  schema: SchemaRef;
  name: string;
  attributes: Column[];
  location: SourceLocation;
}

/**
 * A column of a table, view or materialized view. A view's column type is inferred from its query; `type` is null
 * where that needs a server (a function or operator the generator does not know), and `typeUnknownReason` says why.
 */
export interface RelationColumn {
  name: string;
  type: TypeRef | null;
  /** Why `type` is null; null when the type is known. */
  typeUnknownReason: string | null;
}

/**
 * A table (also a partitioned or foreign table), view or materialized view: PostgreSQL gives each a row type of
 * the same name, which routines use like a composite (`RETURNS SETOF orders`, `p orders`). Columns are in the row
 * type's order; dropped columns are gone.
 */
export interface RelationType {
  kind: 'table' | 'view' | 'materialized-view';
  schema: SchemaRef;
  name: string;
  columns: RelationColumn[];
  /**
   * Why a view's column list itself cannot be known without a server (its query expands `*` over something the
   * files do not define); `columns` is then empty. Null when the columns are known.
   */
  columnsUnknownReason: string | null;
  location: SourceLocation;
}

/** `CREATE DOMAIN name AS base`: values are the base type's, with constraints the server checks. */
export interface DomainType {
  kind: 'domain';
  schema: SchemaRef;
  name: string;
  /** As written; may itself be a domain. */
  baseType: TypeRef;
  location: SourceLocation;
}

/** `CREATE TYPE name AS RANGE (subtype = ...)`, which also creates its multirange type. */
export interface RangeType {
  kind: 'range';
  schema: SchemaRef;
  name: string;
  subtype: TypeRef;
  /** The multirange type PostgreSQL creates with it (`multirange_type_name`, or derived from the range's name). */
  multirange: { schema: SchemaRef; name: string };
  location: SourceLocation;
}

export type UserType = EnumType | CompositeType | RelationType | DomainType | RangeType;

/** The final state of all input files, read in order as a migration history. */
export interface Model {
  procedures: Procedure[];
  /** Every type the files define, relations' row types included, in creation order. */
  types: UserType[];
}

export interface Diagnostic {
  /** `info`: a fact worth knowing that needs no change, e.g. a trigger function left out of the client. */
  severity: 'error' | 'warning' | 'info';
  /** Stable machine-readable code, e.g. `parse-error`, `unknown-type`, `bad-annotation`, `ambiguous-overload`. */
  code: string;
  message: string;
  location: SourceLocation;
  /**
   * No output can be written while this stands, whatever `strict` says (two types needing one TypeScript name).
   * Every other error costs only the routine it concerns, which is left out, unless `strict` is on.
   */
  blocking?: true;
}

/** An input file as read from disk. `path` is what diagnostics print. */
export interface SourceFile {
  path: string;
  text: string;
}
