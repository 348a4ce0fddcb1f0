/**
 * Procedure signatures for the property test and the generator benchmark, rendered as SQL that echoes its
 * inputs: a row of every parameter (`RETURNS TABLE`), the first parameter (scalar), the first parameter twice
 * (`SETOF`), or nothing (`void`). Defaults are `NULL`, so an omitted argument echoes back as null.
 */

export const scalarTypes = [
  'text',
  'varchar',
  'uuid',
  'int2',
  'int4',
  'int8',
  'float8',
  'numeric',
  'bool',
  'timestamptz',
  'date',
  'jsonb',
  'bytea',
] as const;
export type ScalarType = (typeof scalarTypes)[number];

/** Element types arrays are generated for. */
export const arrayElementTypes = ['text', 'int4', 'int8', 'numeric', 'bool', 'uuid', 'timestamptz', 'date'] as const;

export interface TypeSpec {
  base: ScalarType;
  array: boolean;
}

export interface ParameterSpec {
  name: string;
  type: TypeSpec;
  hasDefault: boolean;
}

export type ReturnSpec = 'table' | 'scalar' | 'setof' | 'void';

export interface ProcedureSpec {
  name: string;
  parameters: ParameterSpec[];
  returns: ReturnSpec;
}

export const typeSql = (type: TypeSpec): string => `${type.base}${type.array ? '[]' : ''}`;

/** The result column that echoes a parameter. */
export const echoColumn = (parameter: ParameterSpec): string => `out_${parameter.name}`;

export function renderProcedure(spec: ProcedureSpec, schema = '{schema}'): string {
  const parameters = spec.parameters
    .map((parameter) => `${parameter.name} ${typeSql(parameter.type)}${parameter.hasDefault ? ' DEFAULT NULL' : ''}`)
    .join(', ');
  const head = `CREATE OR REPLACE FUNCTION ${schema}.${spec.name}(${parameters})`;
  const first = spec.parameters[0];
  switch (spec.returns) {
    case 'void':
      return `${head}\nRETURNS void LANGUAGE plpgsql AS $$\nBEGIN\nEND;\n$$;\n`;
    case 'table': {
      const columns = spec.parameters.map((parameter) => `${echoColumn(parameter)} ${typeSql(parameter.type)}`);
      const values = spec.parameters.map((parameter) => parameter.name);
      return `${head}\nRETURNS TABLE(${columns.join(', ')}) LANGUAGE sql AS $$\n  SELECT ${values.join(', ')}\n$$;\n`;
    }
    case 'scalar':
      if (!first) throw new Error(`${spec.name}: a scalar echo needs a parameter`);
      return `${head}\nRETURNS ${typeSql(first.type)} LANGUAGE sql AS $$\n  SELECT ${first.name}\n$$;\n`;
    case 'setof':
      if (!first) throw new Error(`${spec.name}: a setof echo needs a parameter`);
      return (
        `${head}\nRETURNS SETOF ${typeSql(first.type)} LANGUAGE sql AS $$\n` +
        `  SELECT ${first.name} UNION ALL SELECT ${first.name}\n$$;\n`
      );
  }
}

/** Deterministic signatures covering every shape and type, for the benchmark. */
export function syntheticSpecs(count: number): ProcedureSpec[] {
  const returns: ReturnSpec[] = ['table', 'scalar', 'setof', 'void'];
  return Array.from({ length: count }, (_, index) => {
    const parameterCount = 1 + (index % 6);
    const parameters = Array.from({ length: parameterCount }, (_, position): ParameterSpec => {
      const base = scalarTypes[(index + position * 5) % scalarTypes.length]!;
      const array = (index + position) % 4 === 0 && (arrayElementTypes as readonly string[]).includes(base);
      return { name: `p_${position}_${base}`, type: { base, array }, hasDefault: position >= 2 && index % 3 === 0 };
    });
    return { name: `sp_synthetic_${String(index).padStart(4, '0')}`, parameters, returns: returns[index % 4]! };
  });
}
