import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AnalyzedProcedure } from '../../../generator/analyze/index.js';
import { runPipeline } from '../../../generator/cli/pipeline.js';
import { defaultConfig } from '../../../generator/config/defaults.js';
import { substituteSchema } from '../../../generator/runtime/schema-sources.js';
import { quoteIdentifier } from '../../../generator/runtime/quote-identifier.js';
import { argumentsFor, omitted, procedureSpecs } from './arbitraries.js';
import { GeneratedCodeChecker } from './compile-generated.js';
import { renderProcedure, type ProcedureSpec } from './procedure-spec.js';

const runs = 25;
const schemaPrefix = `property_${Math.random().toString(36).slice(2, 10)}`;
const pool = new pg.Pool({ connectionString: inject('databaseUrl'), max: 2 });
pool.on('error', () => {});
const checker = new GeneratedCodeChecker();
let workDir: string;
let caseNumber = 0;

beforeAll(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'property-client-'));
  // The generated module is ESM: a package.json here makes TypeScript's NodeNext resolution treat it so.
  await writeFile(join(workDir, 'package.json'), '{ "type": "module" }\n');
});

afterAll(async () => {
  for (let index = 1; index <= caseNumber; index++) {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(`${schemaPrefix}_${index}`)} CASCADE`);
  }
  await pool.end();
  await rm(workDir, { recursive: true, force: true });
});

/** What the echo gives back for the arguments (an omitted argument echoes its default, NULL). */
function expectedResult(spec: ProcedureSpec, procedure: AnalyzedProcedure, args: unknown[]): unknown {
  const echoed = args.map((value) => (value === omitted ? null : value));
  switch (spec.returns) {
    case 'void':
      return undefined;
    case 'scalar':
      return echoed[0];
    case 'setof':
      return [echoed[0], echoed[0]];
    case 'table':
      return [Object.fromEntries(procedure.result.columns.map((column, index) => [column.property, echoed[index]]))];
  }
}

/** Byte arrays compare by content whatever their class (the driver returns a Buffer). */
function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(normalise);
  if (value instanceof Date) return value;
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, normalise(inner)]));
  return value;
}

describe('generated clients for random echo procedures', () => {
  it('are checked by a type checker that does report errors, including unresolved runtime imports', () => {
    const path = join(workDir, 'sanity', 'procedures.ts');
    const runtime = defaultConfig(dirname(path)).runtimeImport;
    const diagnostics = checker.check(
      // The import is re-exported so that the only errors are the two planted ones (the checker sees unused code too).
      new Map([
        [
          path,
          `import { noSuchExport } from '${runtime}';\nexport const value: number = 'text';\nexport { noSuchExport };\n`,
        ],
      ]),
    );
    expect(diagnostics).toEqual([
      expect.stringMatching(/procedures\.ts:1:10: .*noSuchExport/),
      expect.stringMatching(/procedures\.ts:2:14: Type 'string' is not assignable to type 'number'/),
    ]);
  });

  it(`compile and return what they were given (${runs} runs)`, async () => {
    await fc.assert(
      fc.asyncProperty(
        procedureSpecs.chain((specs) => fc.tuple(fc.constant(specs), fc.tuple(...specs.map(argumentsFor)))),
        async ([specs, argumentLists]) => {
          caseNumber++;
          const caseDir = join(workDir, `case-${caseNumber}`);
          const sql = specs.map((spec) => renderProcedure(spec)).join('\n');
          const result = await runPipeline([{ path: 'property.sql', text: sql }], defaultConfig(caseDir));
          expect(result.diagnostics).toEqual([]);
          const files = new Map(result.files!.map((file) => [resolve(caseDir, file.path), file.text]));
          expect(checker.check(files)).toEqual([]);

          for (const [path, text] of files) {
            await mkdir(dirname(path), { recursive: true });
            await writeFile(path, text);
          }
          // A schema per case: the same procedure name gets a new signature each time.
          const schema = `${schemaPrefix}_${caseNumber}`;
          await pool.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
          await pool.query(substituteSchema(sql, '{schema}', schema));

          const [entry] = files.keys();
          const module = (await import(entry!)) as {
            createClient: (
              db: pg.Pool,
              options: { schema: string },
            ) => Record<string, (params: object) => Promise<unknown>>;
          };
          const client = module.createClient(pool, { schema });
          for (const [index, spec] of specs.entries()) {
            const procedure = result.program.procedures.find((candidate) => candidate.sqlName === spec.name)!;
            const args = argumentLists[index]!;
            const params = Object.fromEntries(
              procedure.params.flatMap((param, position) =>
                args[position] === omitted ? [] : [[param.property!, args[position]]],
              ),
            );
            const returned = await client[procedure.methodName]!(params);
            expect(normalise(returned)).toEqual(normalise(expectedResult(spec, procedure, args)));
          }
        },
      ),
      { numRuns: runs },
    );
  });
});
