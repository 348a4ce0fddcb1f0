import type { GeneratorConfig } from '../config/schema.js';
import type { ScalarCodec } from './program.js';

/**
 * How each of PostgreSQL's built-in types becomes TypeScript, by internal name (as the model spells it). This is the
 * table `generator/cli/README.md` documents; `test/generator/analyze/builtin-types.test.ts` checks that every type in
 * the server's `pg_catalog` is either here, a range or multirange below, or a pseudo-type with a reason.
 */
export interface Builtin {
  codec: ScalarCodec;
  tsInput: string;
  tsOutput: string;
  /** Selected as `::text`: the drivers parse it lossily, differently from each other, or not at all. */
  viaText: boolean;
  /** SQL spelling for a cast when it differs from the internal name. */
  cast?: string;
  /** Runtime types the TypeScript types name. */
  runtimeTypes?: string[];
  /** The array delimiter when it is not `,`. */
  arrayDelimiter?: string;
}

const textLike = (viaText: boolean, codec: ScalarCodec = 'text'): Builtin => ({
  codec,
  tsInput: 'string',
  tsOutput: 'string',
  viaText,
});
const text = textLike(false);
/** Text on the wire whatever the driver: types a driver might parse into something else, or into nothing known. */
const textForm = textLike(true);
const integer: Builtin = { codec: 'int', tsInput: 'number', tsOutput: 'number', viaText: false };
const float: Builtin = { codec: 'float', tsInput: 'number', tsOutput: 'number', viaText: false };
const interval: Builtin = { codec: 'interval', tsInput: 'string', tsOutput: 'string', viaText: true };
const dateTime = (codec: ScalarCodec): Builtin => ({
  codec,
  tsInput: 'Date | string',
  tsOutput: 'Date',
  viaText: true,
});
const json: Builtin = { codec: 'json', tsInput: 'unknown', tsOutput: 'unknown', viaText: true };
const geometric = (codec: ScalarCodec, type: string, extra: Partial<Builtin> = {}): Builtin => ({
  codec,
  tsInput: type,
  tsOutput: type,
  viaText: true,
  runtimeTypes: [type],
  ...extra,
});

const builtins: Record<string, Builtin> = {
  // Numbers. int8 and numeric depend on the configuration (below).
  int2: integer,
  int4: integer,
  float4: float,
  float8: float,
  money: { codec: 'money', tsInput: 'string | number', tsOutput: 'string', viaText: true },
  oid: integer,
  xid: integer,
  cid: integer,
  // Text.
  text,
  varchar: text,
  bpchar: text,
  char: { ...text, cast: '"char"' },
  name: text,
  citext: text,
  unknown: textForm,
  refcursor: textForm,
  // Names of catalog objects, as the server prints them (`public.orders`, `integer`).
  regclass: textForm,
  regcollation: textForm,
  regconfig: textForm,
  regdictionary: textForm,
  regnamespace: textForm,
  regoper: textForm,
  regoperator: textForm,
  regproc: textForm,
  regprocedure: textForm,
  regrole: textForm,
  regtype: textForm,
  bool: { codec: 'bool', tsInput: 'boolean', tsOutput: 'boolean', viaText: false },
  bytea: { codec: 'bytea', tsInput: 'Uint8Array', tsOutput: 'Uint8Array', viaText: false },
  uuid: textLike(false, 'uuid'),
  // Dates and times: the instants and days as Date, clock times and intervals as the server's text.
  date: dateTime('date'),
  timestamp: dateTime('timestamp'),
  // Both drivers parse timestamptz into a Date correctly; inside arrays and composites it arrives as text.
  timestamptz: { ...dateTime('timestamptz'), viaText: false },
  time: interval,
  timetz: interval,
  interval,
  json,
  jsonb: json,
  jsonpath: textForm,
  xml: text,
  // Quoted: the keyword `bit` in a cast means bit(1) and would cut the value to its first bit.
  bit: { ...textLike(true, 'bitString'), cast: '"bit"' },
  varbit: textLike(true, 'bitString'),
  inet: text,
  cidr: text,
  macaddr: text,
  macaddr8: text,
  point: geometric('point', 'Point'),
  line: geometric('line', 'Line'),
  lseg: geometric('lineSegment', 'LineSegment'),
  box: geometric('box', 'Box', { arrayDelimiter: ';' }),
  path: geometric('path', 'Path'),
  polygon: geometric('polygon', 'Polygon'),
  circle: geometric('circle', 'Circle'),
  tsvector: textForm,
  tsquery: textForm,
  gtsvector: textForm,
  pg_lsn: textLike(true, 'pgLsn'),
  pg_snapshot: textForm,
  txid_snapshot: textForm,
  tid: textForm,
  aclitem: textForm,
  int2vector: { codec: 'intVector', tsInput: 'readonly number[]', tsOutput: 'number[]', viaText: true },
  oidvector: { codec: 'intVector', tsInput: 'readonly number[]', tsOutput: 'number[]', viaText: true },
  // Planner statistics and stored expression trees: output only (PostgreSQL accepts no input for them).
  pg_node_tree: textForm,
  pg_ndistinct: textForm,
  pg_dependencies: textForm,
  pg_mcv_list: textForm,
  pg_brin_bloom_summary: textForm,
  pg_brin_minmax_multi_summary: textForm,
  // An anonymous record (no column definition list describes it): its field texts.
  record: { codec: 'record', tsInput: 'never', tsOutput: '(string | null)[]', viaText: true },
};

/** Built-in types whose mapping the configuration chooses. */
function configured(name: string, config: Pick<GeneratorConfig, 'int8' | 'numeric'>): Builtin | undefined {
  // int8 needs no text cast: pg sends it as a string, PGlite as a number within ±(2^53-1) and a bigint beyond, and
  // both int8 decoders take all three exactly (a cast costs the server measurably on every call).
  if (name === 'int8' || name === 'xid8') {
    return config.int8 === 'bigint'
      ? { codec: 'int8BigInt', tsInput: 'bigint | number', tsOutput: 'bigint', viaText: false }
      : { codec: 'int8Number', tsInput: 'number | bigint', tsOutput: 'number', viaText: false };
  }
  if (name === 'numeric') {
    return config.numeric === 'number'
      ? { codec: 'numericNumber', tsInput: 'number | string', tsOutput: 'number', viaText: true }
      : { codec: 'numericString', tsInput: 'string | number', tsOutput: 'string', viaText: true };
  }
  return undefined;
}

export function builtinType(name: string, config: Pick<GeneratorConfig, 'int8' | 'numeric'>): Builtin | undefined {
  return configured(name, config) ?? (Object.hasOwn(builtins, name) ? builtins[name] : undefined);
}

/** The built-in range and multirange types, by their element type. */
export const builtinRanges: Record<string, { element: string; multirange: boolean }> = {
  int4range: { element: 'int4', multirange: false },
  int8range: { element: 'int8', multirange: false },
  numrange: { element: 'numeric', multirange: false },
  tsrange: { element: 'timestamp', multirange: false },
  tstzrange: { element: 'timestamptz', multirange: false },
  daterange: { element: 'date', multirange: false },
  int4multirange: { element: 'int4', multirange: true },
  int8multirange: { element: 'int8', multirange: true },
  nummultirange: { element: 'numeric', multirange: true },
  tsmultirange: { element: 'timestamp', multirange: true },
  tstzmultirange: { element: 'timestamptz', multirange: true },
  datemultirange: { element: 'date', multirange: true },
};

/**
 * The polymorphic pseudo-types: a routine using them becomes a generic method whose type parameter the caller
 * fixes with a runtime type (`pgTypes.int4`). `family` tells the two independent families apart; `form` is how the
 * argument relates to the type parameter.
 */
export const polymorphicTypes: Record<
  string,
  { family: 'element' | 'compatible'; form: 'element' | 'array' | 'range' | 'multirange' }
> = {
  anyelement: { family: 'element', form: 'element' },
  anynonarray: { family: 'element', form: 'element' },
  anyenum: { family: 'element', form: 'element' },
  anyarray: { family: 'element', form: 'array' },
  anyrange: { family: 'element', form: 'range' },
  anymultirange: { family: 'element', form: 'multirange' },
  anycompatible: { family: 'compatible', form: 'element' },
  anycompatiblenonarray: { family: 'compatible', form: 'element' },
  anycompatiblearray: { family: 'compatible', form: 'array' },
  anycompatiblerange: { family: 'compatible', form: 'range' },
  anycompatiblemultirange: { family: 'compatible', form: 'multirange' },
};

/**
 * Pseudo-types no client call can pass or receive. A routine whose signature uses one is modelled but left out of
 * the client, with this reason on an information line.
 */
export const pseudoTypeReasons: Record<string, string> = {
  trigger: 'a trigger function: PostgreSQL calls it from triggers, never a client',
  event_trigger: 'an event trigger function: PostgreSQL calls it from event triggers, never a client',
  internal: 'uses the pseudo-type internal, which only C code can pass or receive',
  cstring: 'uses the pseudo-type cstring, which only C code can pass or receive',
  any: 'uses the pseudo-type "any", which only C code can receive',
  language_handler: 'a procedural language handler',
  fdw_handler: 'a foreign-data wrapper handler',
  index_am_handler: 'an index access method handler',
  table_am_handler: 'a table access method handler',
  tsm_handler: 'a table sampling method handler',
  pg_ddl_command: 'uses the pseudo-type pg_ddl_command, which only event triggers produce',
  opaque: 'uses the obsolete pseudo-type opaque',
};
