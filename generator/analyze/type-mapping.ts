import type { GeneratorConfig } from '../config/schema.js';
import type { EnumType, RangeType, SchemaRef, TypeRef, UserType } from '../model/types.js';
import { resolveUserType } from '../model/resolve-type.js';
import { attributeWord, rowAttributes, type RowType } from './row-types.js';
import { describeType } from '../model/describe.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { readJsonTypeText } from './json-type-text.js';
import { pascalCase } from './naming.js';
import { builtinRanges, builtinType, polymorphicTypes, type Builtin } from './builtin-types.js';
import type { SqlPart, TypedValue, ValueType } from './program.js';

export function schemaParts(schema: SchemaRef): SqlPart[] {
  return schema.kind === 'named' ? [quoteIdentifier(schema.name)] : [{ clientSchema: true }];
}

function builtinValue(builtin: Builtin, sqlName: string): TypedValue {
  return {
    value: { kind: 'scalar', codec: builtin.codec },
    tsInput: builtin.tsInput,
    tsOutput: builtin.tsOutput,
    asserted: false,
    sqlType: [sqlName],
    viaText: builtin.viaText,
    ...(builtin.runtimeTypes ? { runtimeTypes: builtin.runtimeTypes } : {}),
  };
}

/** A polymorphic value: typed by the method's type parameter, cast and converted by the type the caller passes. */
function polymorphicValue(polymorphic: (typeof polymorphicTypes)[string] & object, sqlName: string): TypedValue {
  const { family, form } = polymorphic;
  const parameter = family === 'element' ? 'T' : 'U';
  const [input, output] = {
    element: [parameter, parameter],
    array: [`readonly ${parameter}[]`, `${parameter}[]`],
    range: [`RangeInput<${parameter}>`, `Range<${parameter}>`],
    multirange: [`readonly RangeInput<${parameter}>[]`, `Range<${parameter}>[]`],
  }[form];
  return {
    value: { kind: 'polymorphic', family, form },
    tsInput: input!,
    tsOutput: output!,
    asserted: false,
    // Informative only: the call casts to the type the caller passes.
    sqlType: [sqlName],
    viaText: true,
    typeParameters: [parameter],
    ...(form === 'range' || form === 'multirange' ? { runtimeTypes: ['Range', 'RangeInput'] } : {}),
  };
}

/** A range (or multirange) over `element`: typed bounds, read and written through the range literal. */
export function rangeValue(element: TypedValue, sqlName: string, multirange: boolean): TypedValue {
  const output = `Range<${element.tsOutput}>`;
  const input = `RangeInput<${element.tsInput}>`;
  return {
    value: { kind: 'range', element: element.value, multirange },
    tsInput: multirange ? `readonly ${input}[]` : input,
    tsOutput: multirange ? `${output}[]` : output,
    asserted: element.asserted,
    sqlType: [sqlName],
    viaText: true,
    runtimeTypes: [...(element.runtimeTypes ?? []), 'Range', 'RangeInput'],
  };
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
    if (base.value.kind === 'polymorphic') return { error: `${ref.name}[] is not a type: use anyarray` };
    const brackets = '[]'.repeat(ref.arrayDimensions);
    const wrap = (ts: string) => (/^[\w.]+(?:<[\w.]+>)?$/.test(ts) ? `${ts}${brackets}` : `(${ts})${brackets}`);
    const delimiter = this.arrayDelimiter(ref);
    return {
      ...base,
      value: {
        kind: 'array',
        element: base.value,
        dimensions: ref.arrayDimensions,
        ...(delimiter === undefined ? {} : { delimiter }),
      },
      tsInput: `readonly ${wrap(base.tsInput)}`,
      tsOutput: wrap(base.tsOutput),
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
      const polymorphic = Object.hasOwn(polymorphicTypes, ref.name) ? polymorphicTypes[ref.name] : undefined;
      if (polymorphic) return polymorphicValue(polymorphic, ref.name);
      const builtin = builtinType(ref.name, this.config);
      if (builtin) return builtinValue(builtin, builtin.cast ?? ref.name);
      const range = Object.hasOwn(builtinRanges, ref.name) ? builtinRanges[ref.name] : undefined;
      if (range)
        return rangeValue(
          builtinValue(builtinType(range.element, this.config)!, range.element),
          ref.name,
          range.multirange,
        );
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

  private arrayDelimiter(ref: TypeRef): string | undefined {
    const isBuiltinSchema =
      ref.schema.kind === 'unqualified' || (ref.schema.kind === 'named' && ref.schema.name === 'pg_catalog');
    return isBuiltinSchema && !this.override(ref) ? builtinType(ref.name, this.config)?.arrayDelimiter : undefined;
  }

  private override(ref: TypeRef): TypedValue | { error: string } | undefined {
    const overrides = this.config.typeOverrides;
    const qualified = ref.schema.kind === 'named' ? `${ref.schema.name}.${ref.name}` : ref.name;
    const key = Object.hasOwn(overrides, qualified) ? qualified : Object.hasOwn(overrides, ref.name) ? ref.name : null;
    if (key === null) return undefined;
    const override = overrides[key]!;
    const name = /^[a-z_][a-z0-9_]*$/.test(ref.name) ? ref.name : quoteIdentifier(ref.name);
    const sqlType = ref.schema.kind === 'unqualified' ? [name] : [...schemaParts(ref.schema), `.${name}`];
    if (typeof override === 'string') {
      const value: ValueType = { kind: 'scalar', codec: 'any' };
      return { value, tsInput: override, tsOutput: override, asserted: true, sqlType, viaText: false };
    }
    const read = readJsonTypeText(override.type);
    if ('error' in read) return { error: `typeOverrides["${key}"]: ${read.error}` };
    const module = override.module ?? null;
    if (module === null && read.imports.length > 0) {
      return {
        error: `typeOverrides["${key}"]: the type uses ${read.imports.join(', ')}, but no module is configured to import it from`,
      };
    }
    return {
      value: { kind: 'custom', module, decode: override.decode ?? null, encode: override.encode ?? null },
      tsInput: override.type,
      tsOutput: override.type,
      asserted: override.decode === undefined,
      sqlType,
      // The decoder is given the server's text, the same whichever driver runs the call.
      viaText: override.decode !== undefined,
      ...(module !== null && read.imports.length > 0 ? { moduleTypes: { module, names: read.imports } } : {}),
    };
  }

  /** A user range: its bounds are the subtype's values; the multirange is an array of such ranges. */
  private mapRange(declared: RangeType, multirange: boolean): TypedValue | { error: string } {
    const subtype = this.map(declared.subtype);
    if ('error' in subtype) return { error: `${subtype.error} (the subtype of range ${declared.name})` };
    const named = multirange ? declared.multirange : declared;
    const sqlType = [...schemaParts(named.schema), `.${quoteIdentifier(named.name)}`];
    return { ...rangeValue(subtype, '', multirange), sqlType };
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
