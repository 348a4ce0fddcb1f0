import { isInput } from '../model/parameters.js';
import type { Procedure, SchemaRef, TypeRef } from '../model/types.js';
import type { Catalog } from './catalog.js';
import type { OutputColumn } from './expression-types.js';
import { typeKey } from './identity.js';
import { unknown, type Inferred } from './inferred-type.js';
import type { QueryEnvironment } from './query-columns.js';
import type { TreeContext } from './read-libpg-query.js';
import { isRelation, type TypeEntry } from './type-dependencies.js';

/**
 * What a view's query can see: the catalog's relations, types and routines as the statements so far left them.
 * The relations and columns the query reads are collected in `reads`, for PostgreSQL's dependency rules.
 */
export function queryEnvironment(catalog: Catalog, context: TreeContext, reads: TypeEntry['reads']): QueryEnvironment {
  const store = catalog.types;
  const entryColumns = (entry: TypeEntry, record: boolean): OutputColumn[] | null => {
    const type = entry.type;
    if (type.kind === 'composite') return type.attributes.map(({ name, type }) => ({ name, type: { type } }));
    if (!isRelation(type) || type.columnsUnknownReason !== null) return null;
    return type.columns.map((column) => ({
      name: column.name,
      type: column.type ? { type: column.type } : unknown(column.typeUnknownReason ?? `column ${column.name}`),
      read: record ? () => reads.get(entry)?.add(column.name) : undefined,
    }));
  };
  const baseType = (type: TypeRef): TypeRef => {
    const resolved = store.resolve(type.schema, type.name);
    if (!resolved || resolved.multirange || resolved.type.kind !== 'domain') return type;
    const base = baseType(resolved.type.baseType);
    return { ...base, arrayDimensions: base.arrayDimensions + type.arrayDimensions };
  };
  const attributes = (type: TypeRef): OutputColumn[] | null => {
    if (type.arrayDimensions > 0) return null;
    const resolved = store.resolve(type.schema, type.name);
    return resolved && !resolved.multirange ? entryColumns(resolved.item, false) : null;
  };
  const routine = (schema: SchemaRef, name: string, args: Inferred[]): Procedure | null =>
    chooseRoutine(catalog.routinesNamed(schema, name), args);

  return {
    context,
    baseType,
    attributes,
    relation(schema, name) {
      const resolved = store.resolve(schema, name);
      if (!resolved || resolved.multirange || !isRelation(resolved.type)) return null;
      const entry = resolved.item;
      if (!reads.has(entry)) reads.set(entry, new Set());
      const type = resolved.type;
      return {
        columns: entryColumns(entry, true),
        reason: type.columnsUnknownReason ?? '',
        rowType: { schema: type.schema, name: type.name, arrayDimensions: 0, modifiers: [] },
      };
    },
    routineResult(schema, name, args) {
      const found = routine(schema, name, args);
      if (!found) return null;
      const outputs = found.parameters.filter((parameter) => parameter.mode === 'out' || parameter.mode === 'inout');
      const returns = found.returns;
      if (returns.kind === 'scalar' || returns.kind === 'setof') {
        if (returns.type.name !== 'record' || returns.type.schema.kind === 'named') return { type: returns.type };
        if (outputs.length === 1) return { type: outputs[0]!.type };
      }
      return unknown(`${found.name}(...) returns a record, which has no type a view column can have`);
    },
    routineColumns(schema, name, args) {
      const found = routine(schema, name, args);
      if (!found) return null;
      const returns = found.returns;
      if (returns.kind === 'table') return returns.columns.map(({ name, type }) => ({ name, type: { type } }));
      const outputs = found.parameters.filter((parameter) => parameter.mode === 'out' || parameter.mode === 'inout');
      if (returns.kind !== 'scalar' && returns.kind !== 'setof') return null;
      if (returns.type.name === 'record' && returns.type.schema.kind !== 'named') {
        return outputs.length > 0
          ? outputs.map((parameter, index) => ({
              name: parameter.name ?? `column${index + 1}`,
              type: { type: parameter.type },
            }))
          : null;
      }
      return attributes(returns.type) ?? [{ name: '', type: { type: returns.type } }];
    },
  };
}

/**
 * The routine a call means: the only one whose input count fits, else the only one whose input types equal the
 * arguments'. Anything less certain is left to the server.
 */
function chooseRoutine(candidates: Procedure[], args: Inferred[]): Procedure | null {
  const fitting = candidates.filter((procedure) => {
    if (procedure.kind !== 'function') return false;
    const inputs = procedure.parameters.filter(isInput);
    const required = inputs.filter((parameter) => !parameter.hasDefault && parameter.mode !== 'variadic').length;
    const variadic = inputs.some((parameter) => parameter.mode === 'variadic');
    return args.length >= required && (variadic || args.length <= inputs.length);
  });
  if (fitting.length <= 1) return fitting[0] ?? null;
  const exact = fitting.filter((procedure) => {
    const inputs = procedure.parameters.filter(isInput);
    return (
      inputs.length === args.length &&
      inputs.every((parameter, index) => {
        const arg = args[index]!;
        return 'type' in arg && typeKey(arg.type) === typeKey(parameter.type);
      })
    );
  });
  return exact.length === 1 ? exact[0]! : null;
}
