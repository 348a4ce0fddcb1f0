import { describeType } from '../model/describe.js';
import { isInput } from '../model/parameters.js';
import { formatLocation } from '../model/source-location.js';
import type { Parameter, ParameterMode, Procedure, TypeRef } from '../model/types.js';
import { isCatalogInput, type CatalogArgument, type CatalogProcedure } from './read-catalog.js';
import { schemaName, type ResolvedType, type TypeResolver } from './resolve-types.js';

export interface CompareOptions {
  /** The schema the placeholder stood for while the files were applied. */
  tenantSchema: string;
  placeholder: string;
  /** Whether a function name is one the generator takes (the config's `include`). */
  isIncluded: (name: string) => boolean;
  resolver: TypeResolver;
}

const catalogModes: Record<ParameterMode, CatalogArgument['mode']> = { in: 'i', out: 'o', inout: 'b', variadic: 'v' };
const modeNames: Record<CatalogArgument['mode'], string> = {
  i: 'IN',
  o: 'OUT',
  b: 'INOUT',
  v: 'VARIADIC',
  t: 'TABLE column',
};
const volatilityCodes = { volatile: 'v', stable: 's', immutable: 'i' } as const;
const kindCodes = { function: 'f', procedure: 'p', aggregate: 'a', window: 'w' } as const;

interface ResolvedParameter {
  parameter: Parameter;
  type: ResolvedType;
}

/** Every model procedure the generator takes, compared with `pg_proc`; one readable line per difference. */
export async function compareProcedures(
  procedures: readonly Procedure[],
  catalog: readonly CatalogProcedure[],
  options: CompareOptions,
): Promise<string[]> {
  const differences: string[] = [];
  const matched = new Set<CatalogProcedure>();
  for (const procedure of procedures) {
    if (!options.isIncluded(procedure.name)) continue;
    const result = await compareOne(procedure, catalog, options);
    differences.push(...result.differences);
    if (result.match) matched.add(result.match);
  }
  for (const entry of catalog) {
    if (!options.isIncluded(entry.name) || matched.has(entry)) continue;
    // Aggregates and window functions are modelled too; a range type's constructors are not routines of the files.
    if (entry.constructsType) continue;
    differences.push(`${catalogLabel(entry, options)}: in the catalog but not in the model`);
  }
  return differences;
}

function catalogLabel(entry: CatalogProcedure, options: CompareOptions): string {
  const schema = entry.schema === options.tenantSchema ? options.placeholder : entry.schema;
  const inputs = entry.arguments.filter(isCatalogInput).map((argument) => argument.typeName);
  return `${schema}.${entry.name}(${inputs.join(', ')})`;
}

function modelLabel(procedure: Procedure, options: CompareOptions): string {
  const inputs = procedure.parameters
    .filter(isInput)
    .map((parameter) => describeType(parameter.type, options.placeholder));
  return `${formatLocation(procedure.location)}: ${procedure.name}(${inputs.join(', ')})`;
}

async function resolveOrReport(
  type: TypeRef,
  what: string,
  options: CompareOptions,
  differences: string[],
): Promise<ResolvedType | null> {
  const resolved = await options.resolver.resolve(type);
  if (!resolved)
    differences.push(`${what}: type ${describeType(type, options.placeholder)} does not exist on the server`);
  return resolved;
}

async function compareOne(
  procedure: Procedure,
  catalog: readonly CatalogProcedure[],
  options: CompareOptions,
): Promise<{ differences: string[]; match: CatalogProcedure | null }> {
  const label = modelLabel(procedure, options);
  const differences: string[] = [];
  const parameters: ResolvedParameter[] = [];
  for (const [index, parameter] of procedure.parameters.entries()) {
    const what = `${label}: parameter ${index + 1}${parameter.name ? ` (${parameter.name})` : ''}`;
    const type = await resolveOrReport(parameter.type, what, options, differences);
    if (type) parameters.push({ parameter, type });
  }
  if (differences.length > 0) return { differences, match: null };

  // A routine whose schema is unknown is called in the client's schema: the tenant schema here.
  const schema = schemaName(procedure.schema, options.tenantSchema) ?? options.tenantSchema;
  const inputOids = parameters.filter(({ parameter }) => isInput(parameter)).map(({ type }) => type.oid);
  const sameName = catalog.filter((entry) => entry.schema === schema && entry.name === procedure.name);
  let match = sameName.find((entry) => sameList(entry.inputTypeOids, inputOids));
  const elsewhere = match
    ? undefined
    : catalog.find((entry) => entry.name === procedure.name && sameList(entry.inputTypeOids, inputOids));
  if (elsewhere) {
    const shown = (name: string) => (name === options.tenantSchema ? options.placeholder : name);
    differences.push(`${label}: schema: model ${shown(schema)}, catalog ${shown(elsewhere.schema)}`);
    match = elsewhere;
  }
  if (!match) {
    const others = sameName.map((entry) => catalogLabel(entry, options));
    differences.push(
      `${label}: not in the catalog${others.length > 0 ? ` (the catalog has ${others.join(', ')})` : ''}`,
    );
    return { differences, match: null };
  }

  const expectKind = kindCodes[procedure.kind];
  if (match.kind !== expectKind) {
    differences.push(`${label}: model says ${procedure.kind}, catalog has prokind '${match.kind}'`);
  }
  compareParameters(label, parameters, match, differences);
  await compareResult(label, procedure, parameters, match, options, differences);
  if (procedure.language !== match.language) {
    differences.push(`${label}: language: model ${procedure.language}, catalog ${match.language}`);
  }
  if (volatilityCodes[procedure.volatility] !== match.volatility) {
    differences.push(`${label}: volatility: model ${procedure.volatility}, catalog provolatile '${match.volatility}'`);
  }
  if ((procedure.security === 'definer') !== match.securityDefiner) {
    const catalogSecurity = match.securityDefiner ? 'definer' : 'invoker';
    differences.push(`${label}: security: model ${procedure.security}, catalog ${catalogSecurity}`);
  }
  return { differences, match };
}

function sameList(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((value, index) => value === right[index]);
}

function compareParameters(
  label: string,
  parameters: readonly ResolvedParameter[],
  match: CatalogProcedure,
  differences: string[],
): void {
  const catalogArguments = match.arguments.filter((argument) => argument.mode !== 't');
  if (catalogArguments.length !== parameters.length) {
    const listed = catalogArguments.map(
      (argument) => `${modeNames[argument.mode]} ${argument.name ?? '?'} ${argument.typeName}`,
    );
    differences.push(
      `${label}: model has ${parameters.length} parameters, catalog has ${catalogArguments.length} (${listed.join(', ')})`,
    );
    return;
  }
  const catalogDefaults = defaultFlags(catalogArguments, match.defaultCount);
  for (const [index, { parameter, type }] of parameters.entries()) {
    const argument = catalogArguments[index]!;
    const where = `${label}: parameter ${index + 1}${parameter.name ? ` (${parameter.name})` : ''}`;
    if (parameter.name !== argument.name) {
      differences.push(`${where}: name: model ${parameter.name ?? '(none)'}, catalog ${argument.name ?? '(none)'}`);
    }
    if (catalogModes[parameter.mode] !== argument.mode) {
      differences.push(`${where}: mode: model ${parameter.mode.toUpperCase()}, catalog ${modeNames[argument.mode]}`);
    }
    if (type.oid !== argument.typeOid) {
      differences.push(`${where}: type: model ${type.name}, catalog ${argument.typeName}`);
    }
    if (parameter.hasDefault !== catalogDefaults[index]) {
      const says = (flag: boolean | undefined) => (flag ? 'has a default' : 'no default');
      differences.push(
        `${where}: default: model ${says(parameter.hasDefault)}, catalog ${says(catalogDefaults[index])}`,
      );
    }
  }
}

/** `pronargdefaults` counts the trailing input arguments with defaults; this spreads it over all arguments. */
function defaultFlags(catalogArguments: readonly CatalogArgument[], defaultCount: number): boolean[] {
  const inputPositions = catalogArguments.flatMap((argument, index) => (isCatalogInput(argument) ? [index] : []));
  const withDefault = new Set(inputPositions.slice(inputPositions.length - defaultCount));
  return catalogArguments.map((_, index) => defaultCount > 0 && withDefault.has(index));
}

async function compareResult(
  label: string,
  procedure: Procedure,
  parameters: readonly ResolvedParameter[],
  match: CatalogProcedure,
  options: CompareOptions,
  differences: string[],
): Promise<void> {
  const catalogColumns = match.arguments.filter((argument) => argument.mode === 't');
  const returns = procedure.returns;
  if (returns.kind === 'procedure') return;
  if (returns.kind === 'table') {
    if (!match.returnsSet) differences.push(`${label}: model returns TABLE, catalog returns ${match.returnTypeName}`);
    if (catalogColumns.length !== returns.columns.length) {
      const listed = catalogColumns.map((column) => `${column.name} ${column.typeName}`).join(', ');
      differences.push(
        `${label}: model returns ${returns.columns.length} columns, catalog ${catalogColumns.length} (${listed})`,
      );
      return;
    }
    for (const [index, column] of returns.columns.entries()) {
      const catalogColumn = catalogColumns[index]!;
      const where = `${label}: result column ${index + 1} (${column.name})`;
      if (column.name !== catalogColumn.name) {
        differences.push(`${where}: name: model ${column.name}, catalog ${catalogColumn.name}`);
      }
      const type = await resolveOrReport(column.type, where, options, differences);
      if (type && type.oid !== catalogColumn.typeOid) {
        differences.push(`${where}: type: model ${type.name}, catalog ${catalogColumn.typeName}`);
      }
    }
    return;
  }
  if (catalogColumns.length > 0) {
    const listed = catalogColumns.map((column) => `${column.name} ${column.typeName}`).join(', ');
    differences.push(`${label}: model returns ${returns.kind}, catalog returns TABLE(${listed})`);
    return;
  }
  const expectSet = returns.kind === 'setof';
  if (match.returnsSet !== expectSet) {
    differences.push(
      `${label}: model returns ${expectSet ? 'a set' : 'one value'}, catalog ${match.returnsSet ? 'a set' : 'one value'}`,
    );
  }
  if (returns.kind === 'void') {
    if (match.returnTypeName !== 'void')
      differences.push(`${label}: model returns void, catalog ${match.returnTypeName}`);
    return;
  }
  const expected = await expectedReturnType(label, returns.type, parameters, options, differences);
  if (expected && expected.oid !== match.returnTypeOid) {
    differences.push(`${label}: return type: model ${expected.name}, catalog ${match.returnTypeName}`);
  }
}

/**
 * What `prorettype` should be. A function whose result comes from OUT/INOUT parameters returns `record`, except
 * that PostgreSQL records the single output parameter's type when there is exactly one.
 */
async function expectedReturnType(
  label: string,
  declared: TypeRef,
  parameters: readonly ResolvedParameter[],
  options: CompareOptions,
  differences: string[],
): Promise<ResolvedType | null> {
  const outputs = parameters.filter(({ parameter }) => parameter.mode === 'out' || parameter.mode === 'inout');
  const declaresRecord =
    declared.schema.kind === 'unqualified' && declared.name === 'record' && declared.arrayDimensions === 0;
  if (declaresRecord && outputs.length === 1) return outputs[0]!.type;
  return resolveOrReport(declared, `${label}: return type`, options, differences);
}
