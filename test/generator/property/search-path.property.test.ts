import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { parseSources } from '../../../generator/parse/index.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';

/**
 * Random migration histories that switch the search path (SET, SET SCHEMA, set_config, RESET), create schemas
 * late or never, and create types, tables, views over them, domains and overloaded functions taking and returning
 * them, qualified and unqualified: the model must equal what PostgreSQL makes of them, schema by schema (verify
 * applies them and compares routines with pg_proc, relations and types with pg_class, pg_attribute and pg_type).
 */
const prefix = `pp${Math.random().toString(36).slice(2, 8)}`;
const schemaCount = 4;
const schemaName = (index: number) => `${prefix}_s${index}`;

type Step =
  | { kind: 'create-schema'; schema: number }
  | { kind: 'set-path'; schemas: number[]; form: 'set' | 'set-schema' | 'set-config' }
  | { kind: 'reset' }
  | { kind: 'create-type'; schema: number | null }
  /** A user type named like a built-in: it must not shadow the built-in. */
  | { kind: 'create-shadow-type'; schema: number; name: 'bool' | 'text' }
  | { kind: 'create-table'; schema: number | null; columns: number[]; qualifyTypes: boolean }
  /** A view over an existing table: its columns and one computed column. */
  | { kind: 'create-view'; schema: number | null; table: number }
  | { kind: 'create-domain'; schema: number | null; base: 'int4' | 'text' }
  | {
      kind: 'create-function';
      name: number;
      schema: number | null;
      parameters: number[];
      /** A pick among the types (built-in or made by the steps), or null for int4. */
      returns: number | null;
      qualifyTypes: boolean;
    }
  | { kind: 'drop-function'; name: number; parameters: number[] };

const schemaIndex = fc.integer({ min: 0, max: schemaCount - 1 });
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('create-schema' as const), schema: schemaIndex }), weight: 3 },
  {
    arbitrary: fc.record({
      kind: fc.constant('set-path' as const),
      schemas: fc.array(schemaIndex, { minLength: 1, maxLength: 3 }),
      form: fc.constantFrom('set' as const, 'set-schema' as const, 'set-config' as const),
    }),
    weight: 3,
  },
  { arbitrary: fc.record({ kind: fc.constant('reset' as const) }), weight: 1 },
  {
    arbitrary: fc.record({ kind: fc.constant('create-type' as const), schema: fc.option(schemaIndex, { nil: null }) }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('create-shadow-type' as const),
      schema: schemaIndex,
      name: fc.constantFrom('bool' as const, 'text' as const),
    }),
    weight: 2,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('create-table' as const),
      schema: fc.option(schemaIndex, { nil: null, freq: 2 }),
      columns: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
      qualifyTypes: fc.boolean(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('create-view' as const),
      schema: fc.option(schemaIndex, { nil: null, freq: 2 }),
      table: fc.nat(),
    }),
    weight: 3,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('create-domain' as const),
      schema: fc.option(schemaIndex, { nil: null, freq: 2 }),
      base: fc.constantFrom('int4' as const, 'text' as const),
    }),
    weight: 1,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('create-function' as const),
      name: fc.integer({ min: 0, max: 2 }),
      schema: fc.option(schemaIndex, { nil: null, freq: 2 }),
      parameters: fc.array(fc.nat(), { maxLength: 3 }),
      returns: fc.option(fc.nat(), { nil: null }),
      qualifyTypes: fc.boolean(),
    }),
    weight: 5,
  },
  {
    arbitrary: fc.record({
      kind: fc.constant('drop-function' as const),
      name: fc.integer({ min: 0, max: 2 }),
      parameters: fc.array(fc.nat(), { maxLength: 2 }),
    }),
    weight: 1,
  },
);

/**
 * Renders the steps as SQL PostgreSQL accepts: statements that would fail (a schema that does not exist, a type
 * not on the path) are left out, which takes a little bookkeeping of what exists; where things land is left to
 * PostgreSQL and the model.
 */
function render(steps: Step[]): string {
  const created = new Set<number>();
  let path: (number | 'public')[] = ['public'];
  const visibleSchemas = () => path.filter((entry) => entry === 'public' || created.has(entry));
  /** Type name (enums, domains and the row types of tables and views) → the schema it landed in. */
  const types = new Map<string, number | 'public'>();
  const tables: string[] = [];
  const shadows = new Set<string>();
  const sql: string[] = [];
  const schemaText = (entry: number | 'public') => (entry === 'public' ? 'public' : schemaName(entry));
  const typeText = (pick: number, qualify: boolean): string | null => {
    const builtins = ['int4', 'text', 'integer', 'bool'];
    const userTypes = [...types];
    const choice = pick % (builtins.length + userTypes.length);
    if (choice < builtins.length) return builtins[choice]!;
    const [name, schema] = userTypes[choice - builtins.length]!;
    if (qualify) return `${schemaText(schema)}.${name}`;
    return visibleSchemas().includes(schema) ? name : null;
  };
  for (const current of steps) {
    switch (current.kind) {
      case 'create-schema':
        if (created.has(current.schema)) break;
        created.add(current.schema);
        sql.push(`CREATE SCHEMA ${schemaName(current.schema)};`);
        break;
      case 'set-path': {
        // public last, so that an unqualified CREATE always has somewhere to land.
        const names = [...current.schemas.map(schemaName), 'public'];
        path = [...current.schemas, 'public'];
        if (current.form === 'set') sql.push(`SET search_path = ${names.join(', ')};`);
        else if (current.form === 'set-config')
          sql.push(`SELECT pg_catalog.set_config('search_path', '${names.join(', ')}', false);`);
        else {
          path = [current.schemas[0]!];
          if (!created.has(current.schemas[0]!)) {
            path = ['public'];
            sql.push('RESET search_path;');
          } else sql.push(`SET SCHEMA '${schemaName(current.schemas[0]!)}';`);
        }
        break;
      }
      case 'reset':
        path = ['public'];
        sql.push('RESET search_path;');
        break;
      case 'create-type': {
        const name = `pt_${types.size}`;
        if (current.schema !== null && !created.has(current.schema)) break;
        const landing = current.schema ?? visibleSchemas()[0]!;
        types.set(name, landing);
        const qualified = current.schema === null ? name : `${schemaName(current.schema)}.${name}`;
        sql.push(`CREATE TYPE ${qualified} AS ENUM ('a');`);
        break;
      }
      case 'create-table': {
        if (current.schema !== null && !created.has(current.schema)) break;
        const columnTypes = current.columns.map((pick) => typeText(pick, current.qualifyTypes));
        if (columnTypes.some((type) => type === null)) break;
        const name = `pr_${types.size}`;
        const landing = current.schema ?? visibleSchemas()[0]!;
        const columns = columnTypes.map((type, index) => `c${index} ${type}`).join(', ');
        sql.push(
          `CREATE TABLE ${current.schema === null ? name : `${schemaName(current.schema)}.${name}`} (${columns});`,
        );
        types.set(name, landing);
        tables.push(`${schemaText(landing)}.${name}`);
        break;
      }
      case 'create-view': {
        if (tables.length === 0 || (current.schema !== null && !created.has(current.schema))) break;
        const name = `pv_${types.size}`;
        const landing = current.schema ?? visibleSchemas()[0]!;
        const qualified = current.schema === null ? name : `${schemaName(current.schema)}.${name}`;
        const table = tables[current.table % tables.length]!;
        sql.push(`CREATE VIEW ${qualified} AS SELECT t.*, t.c0 IS NULL AS missing, 1 AS one FROM ${table} t;`);
        types.set(name, landing);
        break;
      }
      case 'create-domain': {
        if (current.schema !== null && !created.has(current.schema)) break;
        const name = `pd_${types.size}`;
        const landing = current.schema ?? visibleSchemas()[0]!;
        const qualified = current.schema === null ? name : `${schemaName(current.schema)}.${name}`;
        sql.push(`CREATE DOMAIN ${qualified} AS ${current.base};`);
        types.set(name, landing);
        break;
      }
      case 'create-shadow-type': {
        const qualified = `${schemaName(current.schema)}.${current.name}`;
        if (!created.has(current.schema) || shadows.has(qualified)) break;
        shadows.add(qualified);
        sql.push(`CREATE TYPE ${qualified} AS ENUM ('x');`);
        break;
      }
      case 'create-function': {
        if (current.schema !== null && !created.has(current.schema)) break;
        const parameterTypes = current.parameters.map((pick) => typeText(pick, current.qualifyTypes));
        const returnType = current.returns === null ? 'int4' : typeText(current.returns, current.qualifyTypes);
        if (parameterTypes.some((type) => type === null) || returnType === null) break;
        const name =
          current.schema === null ? `pf_${current.name}` : `${schemaName(current.schema)}.pf_${current.name}`;
        const parameters = parameterTypes.map((type, index) => `p${index} ${type}`).join(', ');
        // Replacing with another result type fails: the history drops the function first, as a migration would.
        sql.push(`DROP FUNCTION IF EXISTS ${name}(${parameterTypes.join(', ')});`);
        sql.push(
          `CREATE FUNCTION ${name}(${parameters}) RETURNS ${returnType} LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$;`,
        );
        break;
      }
      case 'drop-function': {
        const parameterTypes = current.parameters.map((pick) => typeText(pick, false));
        if (parameterTypes.some((type) => type === null)) break;
        sql.push(`DROP FUNCTION IF EXISTS pf_${current.name}(${parameterTypes.join(', ')});`);
        break;
      }
    }
  }
  return sql.join('\n');
}

describe('search_path switching (property)', () => {
  it('gives the model PostgreSQL makes of the files, every routine in its schema', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 6, maxLength: 30 }), async (steps) => {
        const sources = [{ path: 'history.sql', text: render(steps) }];
        const { model, diagnostics } = parseSources(sources);
        expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
        const differences = await verifyModel({
          connectionString: inject('databaseUrl'),
          sources,
          model,
          placeholder: '{schema}',
          include: '*',
        });
        expect(differences, sources[0]!.text).toEqual([]);
      }),
      { numRuns: 50 },
    );
  });
});
