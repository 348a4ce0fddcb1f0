import type { CompositeType, EnumType, Parameter, Procedure, ReturnShape, SchemaRef, TypeRef } from '../model/types.js';

/**
 * What a parser's tree says about one CREATE FUNCTION/PROCEDURE: the part of a Procedure that each parser must read
 * for itself. Everything else (default texts, raised SQLSTATEs, doc comment, location) comes from shared code.
 */
export interface RoutineDefinition {
  kind: Procedure['kind'];
  orReplace: boolean;
  schema: SchemaRef;
  name: string;
  parameters: Omit<Parameter, 'defaultText'>[];
  returns: ReturnShape;
  language: string;
  volatility: Procedure['volatility'];
  security: Procedure['security'];
}

export type TypeDefinition = Omit<EnumType, 'location'> | Omit<CompositeType, 'location'>;

/** Why a tree could not be mapped, with an offset into the file when one is known. */
export interface MappingProblem {
  code: string;
  message: string;
  offset: number | null;
}

export type Mapped<T> = { ok: true; value: T } | { ok: false; problem: MappingProblem };

export const mapped = <T>(value: T): Mapped<T> => ({ ok: true, value });
export const unmappable = (code: string, message: string, offset: number | null = null): Mapped<never> => ({
  ok: false,
  problem: { code, message, offset },
});

/** A routine result shape when no RETURNS clause is written. */
export function implicitReturns(
  kind: Procedure['kind'],
  parameters: { mode: Parameter['mode'] }[],
): ReturnShape | null {
  if (kind === 'procedure') return { kind: 'procedure' };
  const hasOutput = parameters.some((parameter) => parameter.mode === 'out' || parameter.mode === 'inout');
  return hasOutput ? { kind: 'scalar', type: recordType } : null;
}

const recordType: TypeRef = { schema: { kind: 'unqualified' }, name: 'record', arrayDimensions: 0, modifiers: [] };

export function scalarOrVoid(type: TypeRef, setof: boolean): ReturnShape {
  if (setof) return { kind: 'setof', type };
  const isVoid = type.name === 'void' && type.schema.kind === 'unqualified' && type.arrayDimensions === 0;
  return isVoid ? { kind: 'void' } : { kind: 'scalar', type };
}
