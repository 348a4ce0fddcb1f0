import { describeName, describeType } from '../model/describe.js';
import { formatLocation } from '../model/source-location.js';
import type { TypeRef, UserType } from '../model/types.js';
import type { CatalogColumn, CatalogRelation, CatalogType } from './read-type-catalog.js';
import { schemaName, type TypeResolver } from './resolve-types.js';

export interface CompareTypesOptions {
  tenantSchema: string;
  placeholder: string;
  resolver: TypeResolver;
  /**
   * Receives relations and types in the tenant schema that the model lacks. They are notes, not differences: code
   * the files run (a `SELECT setup()` or a DO block executing DDL) creates objects no static reading can see.
   */
  note: (line: string) => void;
}

const relationKinds: Partial<Record<UserType['kind'], CatalogRelation['kind'][]>> = {
  table: ['r', 'p', 'f'],
  view: ['v'],
  'materialized-view': ['m'],
  composite: ['c'],
};
const typeKinds: Partial<Record<UserType['kind'], CatalogType['kind']>> = { enum: 'e', domain: 'd', range: 'r' };
const relationKindNames: Record<CatalogRelation['kind'], string> = {
  r: 'a table',
  p: 'a partitioned table',
  f: 'a foreign table',
  v: 'a view',
  m: 'a materialized view',
  c: 'a composite type',
};
const typeKindNames: Record<CatalogType['kind'], string> = { e: 'an enum', d: 'a domain', r: 'a range type' };

function kindWord(type: UserType): string {
  return type.kind === 'materialized-view'
    ? 'materialized view'
    : type.kind === 'composite'
      ? 'composite type'
      : type.kind;
}

/**
 * Every model type compared with the catalog after the files were applied: relations' kinds and columns (names and
 * types; a view column whose type the model leaves unknown is not compared), composites' attributes, enums'
 * labels, domains' base types, ranges' subtypes and multiranges. Relations and types in the tenant schema that the
 * model lacks go to `options.note`.
 */
export async function compareTypes(
  types: readonly UserType[],
  catalog: { relations: readonly CatalogRelation[]; types: readonly CatalogType[] },
  options: CompareTypesOptions,
): Promise<string[]> {
  const differences: string[] = [];
  const matched = new Set<CatalogRelation | CatalogType>();
  for (const type of types) {
    const schema = schemaName(type.schema, options.tenantSchema) ?? options.tenantSchema;
    const label = `${formatLocation(type.location)}: ${kindWord(type)} ${describeName(type.schema, type.name, options.placeholder)}`;
    const relation = catalog.relations.find((entry) => entry.schema === schema && entry.name === type.name);
    const other = catalog.types.find((entry) => entry.schema === schema && entry.name === type.name);
    const found = relation ?? other;
    if (!found) {
      differences.push(`${label}: not in the catalog`);
      continue;
    }
    matched.add(found);
    const expectedRelation = relationKinds[type.kind];
    if (relation && expectedRelation) {
      if (!expectedRelation.includes(relation.kind)) {
        differences.push(`${label}: the catalog has ${relationKindNames[relation.kind]}`);
        continue;
      }
      const columns =
        type.kind === 'composite'
          ? type.attributes.map((attribute) => ({ ...attribute, typeUnknownReason: null }))
          : 'columns' in type && type.columnsUnknownReason === null
            ? type.columns
            : null;
      if (columns) await compareColumns(label, columns, relation.columns, options, differences);
      continue;
    }
    if (!other || other.kind !== typeKinds[type.kind]) {
      const actual = relation ? relationKindNames[relation.kind] : typeKindNames[other!.kind];
      differences.push(`${label}: the catalog has ${actual}`);
      continue;
    }
    await compareType(label, type, other, options, differences);
  }
  for (const entry of [...catalog.relations, ...catalog.types]) {
    if (entry.schema !== options.tenantSchema || matched.has(entry)) continue;
    const kind = 'columns' in entry ? relationKindNames[entry.kind] : typeKindNames[entry.kind];
    options.note(
      `${options.placeholder}.${entry.name} (${kind}) is in the catalog but not in the model (created by code the files run?)`,
    );
  }
  return differences;
}

async function sameType(
  type: TypeRef,
  catalogOid: string | null,
  catalogName: string | null,
  where: string,
  options: CompareTypesOptions,
  differences: string[],
): Promise<void> {
  const resolved = await options.resolver.resolve(type);
  if (!resolved) {
    differences.push(`${where}: type ${describeType(type, options.placeholder)} does not exist on the server`);
  } else if (resolved.oid !== catalogOid) {
    differences.push(`${where}: type: model ${resolved.name}, catalog ${catalogName ?? 'none'}`);
  }
}

async function compareColumns(
  label: string,
  columns: readonly { name: string; type: TypeRef | null }[],
  catalogColumns: readonly CatalogColumn[],
  options: CompareTypesOptions,
  differences: string[],
): Promise<void> {
  if (columns.length !== catalogColumns.length) {
    const listed = catalogColumns.map((column) => `${column.name} ${column.typeName}`).join(', ');
    differences.push(`${label}: model has ${columns.length} columns, catalog has ${catalogColumns.length} (${listed})`);
    return;
  }
  for (const [index, column] of columns.entries()) {
    const catalogColumn = catalogColumns[index]!;
    const where = `${label}: column ${index + 1} (${column.name})`;
    if (column.name !== catalogColumn.name) {
      differences.push(`${where}: name: model ${column.name}, catalog ${catalogColumn.name}`);
    }
    if (column.type)
      await sameType(column.type, catalogColumn.typeOid, catalogColumn.typeName, where, options, differences);
  }
}

async function compareType(
  label: string,
  type: UserType,
  entry: CatalogType,
  options: CompareTypesOptions,
  differences: string[],
): Promise<void> {
  if (type.kind === 'enum' && type.values.join('\u0000') !== entry.labels.join('\u0000')) {
    differences.push(`${label}: labels: model ${type.values.join(', ')}, catalog ${entry.labels.join(', ')}`);
  }
  if (type.kind === 'domain') {
    await sameType(type.baseType, entry.baseTypeOid, entry.baseTypeName, `${label}: base`, options, differences);
  }
  if (type.kind === 'range') {
    await sameType(type.subtype, entry.subtypeOid, entry.subtypeName, `${label}: subtype`, options, differences);
    const schema = schemaName(type.multirange.schema, options.tenantSchema) ?? options.tenantSchema;
    if (schema !== entry.multirangeSchema || type.multirange.name !== entry.multirangeName) {
      const model = describeName(type.multirange.schema, type.multirange.name, options.placeholder);
      const catalogSchema =
        entry.multirangeSchema === options.tenantSchema ? options.placeholder : entry.multirangeSchema;
      differences.push(`${label}: multirange: model ${model}, catalog ${catalogSchema}.${entry.multirangeName}`);
    }
  }
}
