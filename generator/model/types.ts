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
 * Where an object lives. `placeholder`: the tenant schema, written as the configured placeholder (default
 * `{schema}`); `named`: an explicit schema; `unqualified`: no schema written (resolved by search_path at run time).
 */
export type SchemaRef = { kind: 'placeholder' } | { kind: 'named'; name: string } | { kind: 'unqualified' };

/**
 * A type as written, normalised so both parsers agree: built-ins use PostgreSQL's internal names (`int8` for
 * `bigint`, `int4` for `integer`/`int`, `bool`, `float8` for `double precision`, `varchar` for `character varying`,
 * `bpchar` for `character`, `timestamptz` for `timestamp with time zone`, `timestamp`, `timetz`, `time`, `numeric`
 * for `decimal`, ...) with `schema: unqualified`; user types keep their schema as written and their name folded
 * as PostgreSQL folds identifiers (lower-case unless quoted).
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

export type UserType = EnumType | CompositeType;

/** The final state of all input files, read in order as a migration history. */
export interface Model {
  procedures: Procedure[];
  types: UserType[];
}

export interface Diagnostic {
  /** `info`: a fact worth knowing that needs no change, e.g. a trigger function left out of the client. */
  severity: 'error' | 'warning' | 'info';
  /** Stable machine-readable code, e.g. `parse-error`, `unknown-type`, `bad-annotation`, `ambiguous-overload`. */
  code: string;
  message: string;
  location: SourceLocation;
}

/** An input file as read from disk. `path` is what diagnostics print. */
export interface SourceFile {
  path: string;
  text: string;
}
