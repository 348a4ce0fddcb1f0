import type { DefineStmt, Node } from 'libpg-query';
import type { Parameter, SchemaRef, TypeRef } from '../model/types.js';
import { mapped, unmappable, type Mapped, type RoutineDefinition } from './definitions.js';
import {
  functionParameters,
  parameterModes,
  qualifiedName,
  stringValues,
  typeRef,
  type TreeContext,
} from './read-libpg-query.js';

/** The result type of a final function that exists when the aggregate is created, or null when it is not modelled. */
export type FinalFunctionResult = (schema: SchemaRef, name: string, stateType: TypeRef) => TypeRef | null;

function definitionArgument(definition: Node[] | undefined, name: string): Node | undefined {
  for (const node of definition ?? []) {
    if ('DefElem' in node && node.DefElem.defname === name) return node.DefElem.arg;
  }
  return undefined;
}

/**
 * Reads `CREATE [OR REPLACE] AGGREGATE`, both the current form (`name(args) (SFUNC = ..., STYPE = ...)`, including
 * `(*)` and ordered-set `(direct ORDER BY aggregated)`) and the old one (`name (BASETYPE = ..., ...)`), as pg_proc
 * records it: language internal, immutable, the final function's result type, or the state type without one.
 */
export function readAggregate(
  statement: DefineStmt,
  context: TreeContext,
  finalResult: FinalFunctionResult,
): Mapped<RoutineDefinition> {
  const { schema, name } = qualifiedName(stringValues(statement.defnames), context);
  const parameters: Omit<Parameter, 'defaultText'>[] = [];
  const [argumentList] = statement.args ?? [];
  // `(*)` is an empty list node.
  const written = argumentList && 'List' in argumentList ? functionParameters(argumentList.List.items) : [];
  for (const parameter of written) {
    const type = typeRef(parameter.argType, context);
    if (!type.ok) return type;
    const mode = parameterModes[parameter.mode ?? 'FUNC_PARAM_DEFAULT'];
    parameters.push({
      name: parameter.name ?? null,
      type: type.value,
      mode: mode === 'variadic' ? 'variadic' : 'in',
      hasDefault: false,
    });
  }
  const baseType = definitionArgument(statement.definition, 'basetype');
  if (statement.oldstyle && baseType && 'TypeName' in baseType) {
    const type = typeRef(baseType.TypeName, context);
    if (!type.ok) return type;
    // `BASETYPE = ANY` is the old spelling of `(*)`: PostgreSQL records no argument.
    if (type.value.name !== 'any') parameters.push({ name: null, type: type.value, mode: 'in', hasDefault: false });
  }
  const stateNode = definitionArgument(statement.definition, 'stype');
  if (!stateNode || !('TypeName' in stateNode)) {
    return unmappable('parse-error', 'aggregate stype must be specified', context.offsetOf(undefined));
  }
  const stateType = typeRef(stateNode.TypeName, context);
  if (!stateType.ok) return stateType;
  const finalNode = definitionArgument(statement.definition, 'finalfunc');
  let result = stateType.value;
  if (finalNode && 'TypeName' in finalNode) {
    const final = qualifiedName(stringValues(finalNode.TypeName.names), context);
    result = finalResult(final.schema, final.name, stateType.value) ?? result;
  }
  return mapped({
    kind: 'aggregate',
    orReplace: statement.replace === true,
    schema,
    name,
    parameters,
    returns: { kind: 'scalar', type: result },
    language: 'internal',
    volatility: 'immutable',
    security: 'invoker',
  });
}
