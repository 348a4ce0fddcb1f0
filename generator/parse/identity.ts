import { isInput } from '../model/parameters.js';
import type { Procedure, ReturnShape, SchemaRef, TypeRef } from '../model/types.js';

/**
 * How PostgreSQL tells objects apart: schema and name; for types also array-ness; never type modifiers. The schema
 * counts as written: `{schema}` and unqualified are different until the files are applied.
 */
function writtenSchemaKey(schema: SchemaRef): string {
  return schema.kind === 'named' ? `named:${schema.name}` : schema.kind;
}

export function typeKey(type: TypeRef): string {
  return JSON.stringify([writtenSchemaKey(type.schema), type.name, type.arrayDimensions]);
}

export function namedKey(schema: SchemaRef, name: string): string {
  return JSON.stringify([writtenSchemaKey(schema), name]);
}

export function routineKey(schema: SchemaRef, name: string, argumentTypes: TypeRef[]): string {
  return JSON.stringify([writtenSchemaKey(schema), name, argumentTypes.map(typeKey)]);
}

/** The input argument types that, with schema and name, identify a routine. */
export function inputSignature(procedure: Pick<Procedure, 'parameters'>): string {
  return JSON.stringify(procedure.parameters.filter(isInput).map((parameter) => typeKey(parameter.type)));
}

export function procedureKey(procedure: Pick<Procedure, 'schema' | 'name' | 'parameters'>): string {
  return routineKey(
    procedure.schema,
    procedure.name,
    procedure.parameters.filter(isInput).map((parameter) => parameter.type),
  );
}

/** The routine's result type as PostgreSQL records it, to refuse a CREATE OR REPLACE that changes it. */
export function resultKey(procedure: Pick<Procedure, 'parameters' | 'returns'>): string {
  const outputs = procedure.parameters.filter((parameter) => parameter.mode === 'out' || parameter.mode === 'inout');
  const row = (columns: { name: string | null; type: TypeRef }[]): unknown =>
    columns.length === 1 ? typeKey(columns[0]!.type) : columns.map((column) => [column.name, typeKey(column.type)]);
  const shape: ReturnShape = procedure.returns;
  switch (shape.kind) {
    case 'table':
      return JSON.stringify(['setof', row(shape.columns)]);
    case 'scalar':
    case 'setof':
      return JSON.stringify([
        shape.kind,
        shape.type.name === 'record' && outputs.length > 0 ? row(outputs) : typeKey(shape.type),
      ]);
    default:
      return JSON.stringify([shape.kind]);
  }
}
