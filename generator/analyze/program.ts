/**
 * The analyze stage's output and the emit stage's input: what to generate, decided and checked. Plain JSON data.
 * Emit makes no decisions about types, names or SQL; it only prints what is here.
 */
import type { SourceLocation } from '../model/types.js';

/** SQL text in parts; `{ clientSchema: true }` stands for the quoted schema the client was created with. */
export type SqlPart = string | { clientSchema: true };

/**
 * How one value is checked and converted. `codec` names a runtime decoder/encoder pair:
 * text → decodeText/encodeText, int → decodeInt/encodeInt, int8Number → decodeInt8AsNumber/encodeInt8, and so on
 * (the table is in the emit stage). `any` passes a configured type override through unchanged.
 */
export type ScalarCodec =
  | 'text'
  | 'int'
  | 'float'
  | 'bool'
  | 'int8Number'
  | 'int8BigInt'
  | 'numericString'
  | 'numericNumber'
  | 'date'
  | 'timestamp'
  | 'timestamptz'
  | 'interval'
  | 'json'
  | 'bytea'
  | 'uuid'
  | 'bitString'
  | 'pgLsn'
  | 'money'
  | 'intVector'
  | 'record'
  | 'point'
  | 'line'
  | 'lineSegment'
  | 'box'
  | 'path'
  | 'polygon'
  | 'circle'
  | 'any';

export type ValueType =
  | { kind: 'scalar'; codec: ScalarCodec }
  /** `typeName`: the TypeScript name of an enum or composite in `AnalyzedProgram.enums` / `.composites`. */
  | { kind: 'enum'; typeName: string }
  | { kind: 'composite'; typeName: string }
  /** `delimiter`: the element type's array delimiter when it is not `,` (`;` for box). */
  | { kind: 'array'; element: ValueType; dimensions: number; delimiter?: string }
  /**
   * A `typeOverrides` type with the project's own codecs, imported from `module` by these names (null: passed
   * through as the driver gives it or as the caller gave it).
   */
  | { kind: 'custom'; module: string | null; decode: string | null; encode: string | null }
  /**
   * A polymorphic pseudo-type (`anyelement`, `anyarray`, ...): the caller fixes its family's type with a runtime
   * type (`PgType`); `form` is how the value relates to that type.
   */
  | { kind: 'polymorphic'; family: 'element' | 'compatible'; form: 'element' | 'array' | 'range' | 'multirange' }
  /** A range (or multirange) over `element`, e.g. int4range over int4. */
  | { kind: 'range'; element: ValueType; multirange: boolean };

export interface TypedValue {
  value: ValueType;
  /** TypeScript type accepted as an argument (without `| null`). */
  tsInput: string;
  /** TypeScript type of a decoded result (without `| null`). */
  tsOutput: string;
  /**
   * True when `tsOutput` is asserted rather than checked: an `@json` type or a type override. The decoder checks the
   * value's PostgreSQL form; the TypeScript shape inside is the author's promise.
   */
  asserted: boolean;
  /** Types of the runtime module that `tsInput` and `tsOutput` name (`Range`, `Point`, ...); emit imports them. */
  runtimeTypes?: string[];
  /** The type parameters `tsInput` and `tsOutput` name: `T` (the anyelement family), `U` (anycompatible). */
  typeParameters?: ('T' | 'U')[];
  /** Types of a `typeOverrides` module that `tsInput` and `tsOutput` name; emit imports them. */
  moduleTypes?: { module: string; names: string[] };
  /** The SQL type for casts, e.g. `int8`, `text[]`, `<schema>."mood"`. */
  sqlType: SqlPart[];
  /**
   * Whether a result value should be selected as text (`col::text`): every type whose driver parsing is lossy or
   * differs between `pg` and PGlite (int8, numeric, date, timestamp, interval, json, arrays, composites).
   */
  viaText: boolean;
}

export interface ParamField {
  /** The SQL parameter name (folded), or null when unnamed. */
  sqlName: string | null;
  /** Property in the params object; null for a procedure's OUT parameter, which CALL receives as NULL. */
  property: string | null;
  type: TypedValue;
  /** Has a default and can be left out (see the naming rule in `parameter-rules.ts`). */
  optional: boolean;
  /** Accepts SQL NULL: false when `@required` says the procedure rejects it. */
  nullable: boolean;
  variadic: boolean;
}

export interface ResultColumn {
  sqlName: string;
  property: string;
  type: TypedValue;
  nullable: boolean;
  /** `text`: selected with a `::text` cast; `native`: as the driver parses it (CALL results cannot be cast). */
  transport: 'text' | 'native';
}

/**
 * - `rows`: every row (RETURNS TABLE, SETOF composite, SETOF record with OUT parameters).
 * - `optional-row`: `@single-row` on those: the row or null.
 * - `row`: exactly one row (several OUT/INOUT parameters, or `@exactly-one-row` on a set of rows).
 * - `values` / `optional-value` / `value`: SETOF scalar, the same with `@single-row`, a scalar (also one OUT
 *   parameter, a composite value, and SETOF scalar with `@exactly-one-row`). Their single column is named `value`.
 * - `void`: nothing.
 */
export type ResultKind = 'rows' | 'optional-row' | 'row' | 'values' | 'optional-value' | 'value' | 'void';

/**
 * What the caller of a generic method passes besides the arguments: the type of the anyelement family (`element`,
 * type parameter `T`), of the anycompatible family (`compatible`, `U`), and the column definition list of a routine
 * returning `record` without OUT parameters (`columns`, `C`).
 */
export type TypeArgument = 'element' | 'compatible' | 'columns';

export interface AnalyzedProcedure {
  kind: 'function' | 'procedure';
  /** As written in SQL (folded), for messages and errors. */
  sqlName: string;
  /** Method on the client, e.g. `listInstances`. */
  methodName: string;
  /** The client property holding the method (`app` for `db.app.getUser`), or null for the client itself. */
  namespace: string | null;
  /** The method's name in the module's tables and in `isProcedureError`: `listInstances`, `app.getUser`. */
  key: string;
  /** Prefix of the exported type names, e.g. `ListInstances` → `ListInstancesParams`, `ListInstancesRow`. */
  typeName: string;
  doc: string | null;
  params: ParamField[];
  /** `columnList`: the columns come from the caller (`types.columns`); `columns` is empty. */
  result: { kind: ResultKind; columns: ResultColumn[]; columnList?: true };
  /** What the caller passes as `types`, in this order; absent when the method is not generic. */
  typeArguments?: TypeArgument[];
  /**
   * The call's SQL is `head` + the argument list + `tail`. `named`: every argument in named notation, because a
   * positional call would be ambiguous with an overload.
   */
  sql: { head: SqlPart[]; tail: string; named?: true };
  /** SQLSTATEs the body raises explicitly. */
  raises: string[];
  /** Type names its `@json` annotations import from `jsonTypesModule`. */
  jsonImports: string[];
  location: SourceLocation;
}

export interface AnalyzedEnum {
  typeName: string;
  sqlName: string;
  /** The type as a cast names it, e.g. `<schema>."mood"`. */
  sqlType: SqlPart[];
  labels: string[];
}

export interface AnalyzedComposite {
  typeName: string;
  inputTypeName: string;
  sqlName: string;
  /** What declared the row type: a composite type, or a table, view or materialized view. */
  sqlKind: 'composite' | 'table' | 'view' | 'materialized-view';
  sqlType: SqlPart[];
  attributes: { sqlName: string; property: string; type: TypedValue }[];
}

export interface AnalyzedProgram {
  procedures: AnalyzedProcedure[];
  /**
   * Only the enums and row types (composites, tables, views) the procedures use, in dependency order (a row type
   * after what it contains).
   */
  enums: AnalyzedEnum[];
  composites: AnalyzedComposite[];
  /** Type names imported from `jsonTypesModule` for `@json` annotations. */
  jsonTypeImports: string[];
  jsonTypesModule: string | null;
  runtimeImport: string;
  /** The fingerprint function's quoted name, called in the client's schema; null when not configured. */
  fingerprintFunction: string | null;
}
