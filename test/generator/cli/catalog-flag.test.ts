import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Model, RelationType } from '../../../generator/model/types.js';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';
import { substituteSchema } from '../../../generator/runtime/schema-sources.js';
import { runCliInProcess } from './support/run-cli.js';

const databaseUrl = inject('databaseUrl');
const schema = `catalog_flag_${randomBytes(4).toString('hex')}`;
// The placeholder and unqualified names are looked up through the connection's search_path.
const catalogUrl = `${databaseUrl}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;

// gcd() and pg_namespace are PostgreSQL's own, but not in the generator's tables: only a server can type them.
const sql = `
CREATE TABLE {schema}.items (id int4, size int8);
CREATE VIEW {schema}.item_facts AS SELECT id, gcd(id, 6) AS divisor, size FROM {schema}.items;
CREATE VIEW {schema}.schemas AS SELECT nspname, oid FROM pg_namespace;
CREATE FUNCTION {schema}.sp_facts() RETURNS SETOF {schema}.item_facts LANGUAGE sql AS $$ SELECT * FROM {schema}.item_facts $$;
CREATE FUNCTION {schema}.sp_schemas() RETURNS SETOF {schema}.schemas LANGUAGE sql AS $$ SELECT * FROM {schema}.schemas $$;
`;

let dir: string;
let pool: pg.Pool;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'catalog-flag-'));
  await writeFile(join(dir, 'pg-sproc-gen.config.json'), JSON.stringify({ input: ['schema.sql'], output: 'out' }));
  await writeFile(join(dir, 'schema.sql'), sql);
  pool = new pg.Pool({ connectionString: databaseUrl, max: 1 });
  pool.on('error', () => {});
  await pool.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  await pool.query(substituteSchema(sql, '{schema}', schema));
});

afterAll(async () => {
  await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
  await pool.end();
  await rm(dir, { recursive: true, force: true });
});

const relation = (model: Model, name: string) => model.types.find((type) => type.name === name) as RelationType;

describe('pg-sproc-gen generate --catalog', () => {
  it('without it, names each column only a server can type and offers --catalog', async () => {
    const result = await runCliInProcess(['generate', '--check'], dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'the type of column divisor of view {schema}.item_facts cannot be known without a server (the result type of gcd(...) is not known without a server); run the generator with --catalog <url>',
    );
    expect(result.stderr).toContain('the type of column nspname of view {schema}.schemas cannot be known');
  });

  it('reads just the unknown columns from the database and generates', async () => {
    const printed = await runCliInProcess(['generate', '--print-model', '--catalog', catalogUrl], dir);
    expect(printed.stderr).toBe('');
    const model = JSON.parse(printed.stdout) as Model;
    const builtin = (name: string) => ({ schema: { kind: 'unqualified' }, name, arrayDimensions: 0, modifiers: [] });
    expect(relation(model, 'item_facts').columns).toEqual([
      { name: 'id', type: builtin('int4'), typeUnknownReason: null },
      { name: 'divisor', type: builtin('int4'), typeUnknownReason: null },
      { name: 'size', type: builtin('int8'), typeUnknownReason: null },
    ]);
    expect(relation(model, 'schemas').columns.map((column) => column.type?.name)).toEqual(['name', 'oid']);

    const generated = await runCliInProcess(['generate', '--catalog', catalogUrl], dir);
    expect(generated.stderr).toBe('');
    expect(generated.code).toBe(0);
    const output = await readFile(join(dir, 'out', 'procedures.ts'), 'utf8');
    expect(output).toContain('divisor: number | null;');
  });

  it('reports a view the database does not have, or whose columns differ from the files', async () => {
    const other = await mkdtemp(join(tmpdir(), 'catalog-flag-other-'));
    try {
      await writeFile(join(other, 'pg-sproc-gen.config.json'), JSON.stringify({ input: ['x.sql'], output: 'out' }));
      await writeFile(
        join(other, 'x.sql'),
        `CREATE TABLE {schema}.items (id int4, size int8, extra text);
         CREATE VIEW {schema}.item_facts AS SELECT id, gcd(id, 6) AS divisor, extra FROM {schema}.items;
         CREATE VIEW {schema}.nowhere AS SELECT gcd(1, 2) AS g;`,
      );
      const result = await runCliInProcess(['generate', '--print-model', '--catalog', catalogUrl], other);
      expect(result.code).toBe(1);
      expect(result.stderr).toContain(
        'error[catalog-mismatch]: --catalog: {schema}.item_facts has columns (id, divisor, size) in that database, the files define (id, divisor, extra); apply the files to it first',
      );
      expect(result.stderr).toContain(
        'error[catalog-mismatch]: --catalog: view {schema}.nowhere does not exist in that database',
      );
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('never connects for files that are fully static', async () => {
    const other = await mkdtemp(join(tmpdir(), 'catalog-flag-static-'));
    try {
      await writeFile(join(other, 'pg-sproc-gen.config.json'), JSON.stringify({ input: ['x.sql'], output: 'out' }));
      await writeFile(join(other, 'x.sql'), `CREATE VIEW {schema}.v AS SELECT 1 AS one;`);
      // Nothing listens there: a connection attempt would fail the command.
      const result = await runCliInProcess(
        ['generate', '--print-model', '--catalog', 'postgres://nobody@127.0.0.1:1/none'],
        other,
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
