import pg from 'pg';
import { describeName } from '../model/describe.js';
import type { Diagnostic, Model, RelationColumn, RelationType, SchemaRef, TypeRef, UserType } from '../model/types.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { readRelationColumns, type LiveColumn } from './relation-columns.js';

const needsServer = (type: UserType): type is RelationType =>
  'columns' in type && (type.columnsUnknownReason !== null || type.columns.some((column) => column.type === null));

/**
 * `--catalog <url>`: the view columns whose types only a server knows, read from a database where the files are
 * applied. Only relations with such columns are looked up, so fully static files never connect. A relation written
 * with the placeholder or without a schema is found through the connection's search_path; its schema there stands
 * for the placeholder in the types it reports.
 */
export async function fillUnknownColumns(
  model: Model,
  connectionString: string,
  placeholder: string,
): Promise<{ model: Model; diagnostics: Diagnostic[] }> {
  const diagnostics: Diagnostic[] = [];
  if (!model.types.some(needsServer)) return { model, diagnostics };
  const client = new pg.Client({ connectionString });
  // A dropped connection surfaces through the pending query; without a listener it would crash the process.
  client.on('error', () => {});
  await client.connect();
  try {
    const types: UserType[] = [];
    for (const type of model.types) {
      if (!needsServer(type)) {
        types.push(type);
        continue;
      }
      const filled = await fillRelation(client, type, placeholder);
      if ('message' in filled) {
        diagnostics.push({
          severity: 'error',
          code: 'catalog-mismatch',
          message: filled.message,
          location: type.location,
        });
        types.push(type);
      } else types.push(filled);
    }
    return { model: { ...model, types }, diagnostics };
  } finally {
    await client.end();
  }
}

async function fillRelation(
  client: pg.ClientBase,
  relation: RelationType,
  placeholder: string,
): Promise<RelationType | { message: string }> {
  const written = describeName(relation.schema, relation.name, placeholder);
  const sqlName =
    relation.schema.kind === 'named'
      ? `${quoteIdentifier(relation.schema.name)}.${quoteIdentifier(relation.name)}`
      : quoteIdentifier(relation.name);
  const live = await readRelationColumns(client, sqlName);
  if (!live)
    return { message: `--catalog: ${relation.kind.replace('-', ' ')} ${written} does not exist in that database` };
  const typeRef = (column: LiveColumn): TypeRef => ({
    schema: liveSchema(column.typeSchema, live.schema, relation.schema),
    name: column.typeName,
    arrayDimensions: column.isArray ? 1 : 0,
    modifiers: [],
  });
  if (relation.columnsUnknownReason !== null) {
    const columns = live.columns.map((column): RelationColumn => ({
      name: column.name,
      type: typeRef(column),
      typeUnknownReason: null,
    }));
    return { ...relation, columns, columnsUnknownReason: null };
  }
  const names = (columns: { name: string }[]) => columns.map((column) => column.name).join(', ');
  if (names(live.columns) !== names(relation.columns)) {
    return {
      message: `--catalog: ${written} has columns (${names(live.columns)}) in that database, the files define (${names(relation.columns)}); apply the files to it first`,
    };
  }
  const columns = relation.columns.map((column, index): RelationColumn =>
    column.type ? column : { ...column, type: typeRef(live.columns[index]!), typeUnknownReason: null },
  );
  return { ...relation, columns };
}

/** The database's schemas as the model writes them: built-ins unqualified, the relation's own schema as it is written. */
function liveSchema(schema: string, relationSchema: string, written: SchemaRef): SchemaRef {
  if (schema === 'pg_catalog') return { kind: 'unqualified' };
  if (schema === relationSchema && written.kind !== 'named') return written;
  return { kind: 'named', name: schema };
}
