import type { GeneratorConfig } from '../config/schema.js';
import type { EnumType, RangeType, SchemaRef, TypeRef, UserType } from '../model/types.js';
import { resolveUserType } from '../model/resolve-type.js';
import { attributeWord, rowAttributes, type RowType } from './row-types.js';
import { describeType } from '../model/describe.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { pascalCase } from './naming.js';
import type { ScalarCodec, SqlPart, TypedValue, ValueType } from './program.js';

interface Builtin {
  codec: ScalarCodec;
  tsInput: string;
  tsOutput: string;
  viaText: boolean;
  /** SQL spelling for a cast when it differs from the internal name. */
  cast?: string;
}

const text: Builtin = { codec: 'text', tsInput: 'string', tsOutput: 'string', viaText: false };
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

/** Built-in types by PostgreSQL's internal name, as the model spells them. Everything else is an error. */
const builtins: Record<string, Builtin> = {
  text,
  varchar: text,
  bpchar: text,
  char: { ...text, cast: '"char"' },
  name: text,
  uuid: text,
  citext: text,
  xml: text,
  inet: text,
  cidr: text,
  macaddr: text,
  macaddr8: text,
  int2: integer,
  int4: integer,
  oid: integer,
  float4: float,
  float8: float,
  bool: { codec: 'bool', tsInput: 'boolean', tsOutput: 'boolean', viaText: false },
  date: dateTime('date'),
  timestamp: dateTime('timestamp'),
  // Both drivers parse timestamptz into a Date correctly; inside arrays and composites it arrives as text.
  timestamptz: { ...dateTime('timestamptz'), viaText: false },
  time: interval,
  timetz: interval,
  interval,
  json,
  jsonb: json,
  bytea: { codec: 'bytea', tsInput: 'Uint8Array', tsOutput: 'Uint8Array', viaText: false },
};

function configuredBuiltin(name: string, config: GeneratorConfig): Builtin | undefined {
  // int8 needs no text cast: pg sends it as a string, PGlite as a number within ±(2^53-1) and a bigint beyond, and
  // both int8 decoders take all three exactly (a cast costs the server measurably on every call).
  if (name === 'int8') {
    return config.int8 === 'bigint'
      ? { codec: 'int8BigInt', tsInput: 'bigint | number', tsOutput: 'bigint', viaText: false }
      : { codec: 'int8Number', tsInput: 'number | bigint', tsOutput: 'number', viaText: false };
  }
  if (name === 'numeric') {
    return config.numeric === 'number'
      ? { codec: 'numericNumber', tsInput: 'number | string', tsOutput: 'number', viaText: true }
      : { codec: 'numericString', tsInput: 'string | number', tsOutput: 'string', viaText: true };
  }
  return builtins[name];
}

export function schemaParts(schema: SchemaRef): SqlPart[] {
  return schema.kind === 'named' ? [quoteIdentifier(schema.name)] : [{ clientSchema: true }];
}

export type TypeLookup = (ref: TypeRef) => TypedValue | { error: string };

/**
 * Maps model types to TypeScript and records which enums and composites are used. One instance per analyze run.
 */
export class TypeMapper {
  /**
   * TypeScript name → declared enum or row type (composite, table, view), in first-use order (a row type's
   * attributes are mapped before it is added).
   */
  readonly used = new Map<string, EnumType | RowType>();
  private readonly mapping = new Map<string, TypedValue | { error: string }>();
  private readonly typeNames = new Map<UserType, string>();

  constructor(
    private readonly config: GeneratorConfig,
    private readonly userTypes: readonly UserType[],
  ) {}

  map(ref: TypeRef): TypedValue | { error: string } {
    const key = JSON.stringify(ref);
    let result = this.mapping.get(key);
    if (!result) {
      result = this.mapUncached(ref);
      this.mapping.set(key, result);
    }
    return result;
  }

  private mapUncached(ref: TypeRef): TypedValue | { error: string } {
    const base = this.mapElement({ ...ref, arrayDimensions: 0 });
    if ('error' in base || ref.arrayDimensions === 0) return base;
    const brackets = '[]'.repeat(ref.arrayDimensions);
    const wrap = (ts: string) => (/^[\w.]+$/.test(ts) ? `${ts}${brackets}` : `(${ts})${brackets}`);
    return {
      value: { kind: 'array', element: base.value, dimensions: ref.arrayDimensions },
      tsInput: `readonly ${wrap(base.tsInput)}`,
      tsOutput: wrap(base.tsOutput),
      asserted: base.asserted,
      sqlType: [...base.sqlType, brackets],
      // Both drivers parse arrays of the natively read built-ins themselves; enums and composites inside arrays, and
      // elements that need text on their own, come as the array's text.
      viaText: base.value.kind !== 'scalar' || base.viaText,
    };
  }

  private mapElement(ref: TypeRef): TypedValue | { error: string } {
    const override = this.override(ref);
    if (override) return override;
    const isBuiltinSchema =
      ref.schema.kind === 'unqualified' || (ref.schema.kind === 'named' && ref.schema.name === 'pg_catalog');
    if (isBuiltinSchema) {
      const builtin = configuredBuiltin(ref.name, this.config);
      if (builtin) {
        return {
          value: { kind: 'scalar', codec: builtin.codec },
          tsInput: builtin.tsInput,
          tsOutput: builtin.tsOutput,
          asserted: false,
          sqlType: [builtin.cast ?? ref.name],
          viaText: builtin.viaText,
        };
      }
    }
    // The parse stage resolved the name through the search path: an unqualified name is a built-in or unknown, never
    // a user type of the same name (a user enum `bit` does not shadow the built-in).
    const declared = resolveUserType(this.userTypes, (type) => type, ref.schema, ref.name);
    if (!declared) {
      return {
        error: `unknown type ${describeType(ref, this.config.placeholder)}: not a supported built-in type, not declared in the input files, and not in typeOverrides`,
      };
    }
    if (declared.type.kind === 'range') return this.mapRange(declared.type, declared.multirange);
    return this.mapUserType(declared.type);
  }

  private override(ref: TypeRef): TypedValue | undefined {
    const overrides = this.config.typeOverrides;
    const qualified = ref.schema.kind === 'named' ? `${ref.schema.name}.${ref.name}` : ref.name;
    const tsType = overrides[qualified] ?? overrides[ref.name];
    if (tsType === undefined) return undefined;
    return {
      value: { kind: 'scalar', codec: 'any' },
      tsInput: tsType,
      tsOutput: tsType,
      asserted: true,
      sqlType: ref.schema.kind === 'named' ? [`${quoteIdentifier(ref.schema.name)}.${ref.name}`] : [ref.name],
      viaText: false,
    };
  }

  /** A user range: its bounds are the subtype's values; the multirange is an array of such ranges. */
  private mapRange(declared: RangeType, multirange: boolean): TypedValue | { error: string } {
    const subtype = this.map(declared.subtype);
    if ('error' in subtype) return { error: `${subtype.error} (the subtype of range ${declared.name})` };
    const named = multirange ? declared.multirange : declared;
    const output = `Range<${subtype.tsOutput}>`;
    const input = `RangeInput<${subtype.tsInput}>`;
    return {
      value: { kind: 'range', element: subtype.value, multirange },
      tsInput: multirange ? `readonly ${input}[]` : input,
      tsOutput: multirange ? `${output}[]` : output,
      asserted: subtype.asserted,
      sqlType: [...schemaParts(named.schema), `.${quoteIdentifier(named.name)}`],
      viaText: true,
    };
  }

  /**
   * A declared type's TypeScript name: its own name in PascalCase, or with its schema in front when a type of
   * another schema already has that name (`app.users` and `auth.users` become `Users` and `AuthUsers`).
   */
  private typeNameOf(declared: UserType): string {
    let typeName = this.typeNames.get(declared);
    if (typeName === undefined) {
      const taken = new Set(this.typeNames.values());
      typeName = pascalCase(declared.name);
      if (taken.has(typeName) && declared.schema.kind === 'named')
        typeName = pascalCase(`${declared.schema.name}_${declared.name}`);
      this.typeNames.set(declared, typeName);
    }
    return typeName;
  }

  private mapUserType(declared: Exclude<UserType, RangeType>): TypedValue | { error: string } {
    const typeName = this.typeNameOf(declared);
    const sqlType = [...schemaParts(declared.schema), `.${quoteIdentifier(declared.name)}`];
    if (declared.kind === 'enum') {
      this.used.set(typeName, declared);
      const value: ValueType = { kind: 'enum', typeName };
      return { value, tsInput: typeName, tsOutput: typeName, asserted: false, sqlType, viaText: false };
    }
    if (declared.kind === 'domain') {
      // The value is the base type's, checked as such; casts name the domain so the server checks its constraints.
      const base = this.map(declared.baseType);
      if ('error' in base) return { error: `${base.error} (the base type of domain ${declared.name})` };
      return { ...base, sqlType };
    }
    if (!this.used.has(typeName)) {
      const row = rowAttributes(declared, this.config.placeholder);
      if ('error' in row) return row;
      for (const attribute of row.attributes) {
        const mapped = this.map(attribute.type);
        if ('error' in mapped)
          return { error: `${mapped.error} (${attributeWord(declared)} ${attribute.name} of ${declared.name})` };
      }
      this.used.set(typeName, declared);
    }
    return {
      value: { kind: 'composite', typeName },
      tsInput: `${typeName}Input`,
      tsOutput: typeName,
      asserted: false,
      sqlType,
      viaText: true,
    };
  }
}
