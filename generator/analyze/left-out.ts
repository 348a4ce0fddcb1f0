import type { Procedure, TypeRef } from '../model/types.js';
import { pseudoTypeReasons } from './builtin-types.js';

const isBuiltinSchema = (type: TypeRef) =>
  type.schema.kind === 'unqualified' || (type.schema.kind === 'named' && type.schema.name === 'pg_catalog');

/**
 * Why a routine has no client method although it is modelled, or null when it gets one. These are routines no client
 * calls as such (PostgreSQL calls them from triggers, inside queries, or from C), reported on an information line,
 * never as an error.
 */
export function leftOutReason(procedure: Procedure): string | null {
  if (procedure.kind === 'aggregate') {
    return 'an aggregate: PostgreSQL calls it inside queries (SELECT name(column) ... GROUP BY), not as a routine';
  }
  if (procedure.kind === 'window') return 'a window function: PostgreSQL calls it in a query with an OVER clause';
  if (procedure.language === 'c' || procedure.language === 'internal') {
    return `written in ${procedure.language === 'c' ? 'C' : 'internal'}: an extension's or the server's own routine`;
  }
  const returns = procedure.returns;
  const types = [
    ...procedure.parameters.map((parameter) => parameter.type),
    ...(returns.kind === 'scalar' || returns.kind === 'setof' ? [returns.type] : []),
    ...(returns.kind === 'table' ? returns.columns.map((column) => column.type) : []),
  ];
  const pseudo = types.find((type) => isBuiltinSchema(type) && Object.hasOwn(pseudoTypeReasons, type.name));
  return pseudo ? pseudoTypeReasons[pseudo.name]! : null;
}
