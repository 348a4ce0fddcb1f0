import type { Procedure, SchemaRef, TypeRef } from './types.js';
import { isInput } from './parameters.js';

/**
 * Readable spellings of model objects for messages, with the tenant schema written as the configured placeholder
 * (so a message shows the name the way the SQL files write it), e.g. `{schema}.mood[]`.
 */
export function describeName(schema: SchemaRef, name: string, placeholder: string): string {
  return schema.kind === 'unqualified' ? name : `${describeSchema(schema, placeholder)}.${name}`;
}

/** A schema as the SQL writes it; an unknown one (`unqualified`) as `?`. */
export function describeSchema(schema: SchemaRef, placeholder: string): string {
  return schema.kind === 'named' ? schema.name : schema.kind === 'placeholder' ? placeholder : '?';
}

export function describeType(type: TypeRef, placeholder: string): string {
  return describeName(type.schema, type.name, placeholder) + '[]'.repeat(type.arrayDimensions);
}

/** `schema.name(input types)`: a routine as PostgreSQL identifies it. */
export function describeRoutine(
  procedure: Pick<Procedure, 'schema' | 'name' | 'parameters'>,
  placeholder: string,
): string {
  const argumentTypes = procedure.parameters
    .filter(isInput)
    .map((parameter) => describeType(parameter.type, placeholder));
  return `${describeName(procedure.schema, procedure.name, placeholder)}(${argumentTypes.join(', ')})`;
}
