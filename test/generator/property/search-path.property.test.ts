import fc from 'fast-check';
import { describe, expect, inject, it } from 'vitest';
import { parseSources } from '../../../generator/parse/index.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';

/**
 * Random migration histories that switch the search path (SET, SET SCHEMA, set_config, RESET), create schemas
 * late or never, and create types and overloaded functions qualified and unqualified: the model must equal what
 * PostgreSQL makes of them, schema by schema (verify applies them and compares with pg_proc).
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
  | { kind: 'create-function'; name: number; schema: number | null; parameters: number[]; qualifyTypes: boolean }
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
      kind: fc.constant('create-function' as const),
      name: fc.integer({ min: 0, max: 2 }),
      schema: fc.option(schemaIndex, { nil: null, freq: 2 }),
      parameters: fc.array(fc.nat(), { maxLength: 3 }),
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
  /** Type name → the schema it landed in (`public` or an index). */
  const types = new Map<string, number | 'public'>();
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
        if (parameterTypes.some((type) => type === null)) break;
        const name =
          current.schema === null ? `pf_${current.name}` : `${schemaName(current.schema)}.pf_${current.name}`;
        const parameters = parameterTypes.map((type, index) => `p${index} ${type}`).join(', ');
        sql.push(`CREATE OR REPLACE FUNCTION ${name}(${parameters}) RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;`);
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
