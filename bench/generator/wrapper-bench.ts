import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { runPipeline } from '../../generator/cli/pipeline.js';
import { defaultConfig } from '../../generator/config/defaults.js';
import { substituteSchema } from '../../generator/runtime/schema-sources.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';

// A procedure whose rows carry the types a decoder works hardest on.
const benchSql = `
CREATE FUNCTION {schema}.sp_bench_rows(p_count int4)
RETURNS TABLE(id int8, name text, amount numeric, created_at timestamptz, payload jsonb, active bool, tags text[])
LANGUAGE sql STABLE AS $$
  SELECT i, 'name ' || i, i * 1.25, timestamptz '2024-01-01 00:00:00+00' + i * interval '1 minute',
         jsonb_build_object('i', i, 'label', 'row ' || i), i % 2 = 0, ARRAY['a', 'b', i::text]
    FROM generate_series(1, p_count) AS i
$$;
`;

export interface WrapperFigures {
  rows: number;
  calls: number;
  bareMicros: number;
  /** The wrapper's own SQL text and values sent through bare `pg`: what the SQL costs without binding and decoding. */
  wrapperSqlMicros: number;
  /** The same SQL as a named (prepared) statement: parsed and planned once per connection. */
  wrapperSqlPreparedMicros: number;
  wrapperMicros: number;
  overheadPercent: number;
}

type BenchClient = { benchRows(params: { count: number }): Promise<unknown[]> };

async function generateClient(workDir: string): Promise<(db: pg.Client, schema: string) => BenchClient> {
  const result = await runPipeline([{ path: 'bench.sql', text: benchSql }], defaultConfig(workDir));
  if (!result.files) throw new Error(`bench procedure did not generate: ${JSON.stringify(result.diagnostics)}`);
  await writeFile(join(workDir, 'package.json'), '{ "type": "module" }\n');
  for (const file of result.files) {
    const path = resolve(workDir, file.path);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, file.text);
  }
  const module = (await import(pathToFileURL(resolve(workDir, result.files[0]!.path)).href)) as {
    createClient: (db: pg.Client, options: { schema: string }) => BenchClient;
  };
  return (db, schema) => module.createClient(db, { schema });
}

/**
 * Total milliseconds per side over `calls` calls each, the sides taking turns call by call (after a warm-up) so a
 * busy moment on the machine or the server lands on all of them alike.
 */
async function timeInterleaved(sides: readonly (() => Promise<unknown>)[], calls: number): Promise<number[]> {
  const warmup = Math.ceil(calls / 10);
  const totals = sides.map(() => 0);
  for (let index = 0; index < warmup + calls; index++) {
    for (const [side, call] of sides.entries()) {
      const start = performance.now();
      await call();
      if (index >= warmup) totals[side]! += performance.now() - start;
    }
  }
  return totals;
}

/**
 * The same call through the generated wrapper (bind, query, decode every column) and as a bare `pg` query, on one
 * connection, taking turns call by call.
 */
export async function benchWrapper(
  connectionString: string,
  sizes: readonly (readonly [rows: number, calls: number])[] = [
    [1, 5000],
    [100, 1000],
  ],
): Promise<WrapperFigures[]> {
  const workDir = await mkdtemp(join(tmpdir(), 'wrapper-bench-'));
  const schema = `bench_${Math.random().toString(36).slice(2, 10)}`;
  const db = new pg.Client({ connectionString });
  // A dropped connection fails the running (or next) query; unheard, the event would end the process.
  db.on('error', () => {});
  await db.connect();
  try {
    await db.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
    await db.query(substituteSchema(benchSql, '{schema}', schema));
    let sent: { text: string; values: unknown[] } | undefined;
    const recorder = {
      query: (text: string, values: unknown[]) => ((sent = { text, values }), db.query(text, values)),
    };
    const client = (await generateClient(workDir))(db, schema);
    const recordingClient = (await generateClient(workDir))(recorder as unknown as pg.Client, schema);
    const bareText = `SELECT * FROM ${quoteIdentifier(schema)}.sp_bench_rows($1)`;
    const figures: WrapperFigures[] = [];
    for (const [rows, calls] of sizes) {
      await recordingClient.benchRows({ count: rows });
      const wrapperSql = sent!;
      const sides = [
        () => db.query(bareText, [rows]),
        () => db.query(wrapperSql.text, wrapperSql.values),
        () => client.benchRows({ count: rows }),
        () => db.query({ name: `bench_rows_${rows}`, text: wrapperSql.text, values: wrapperSql.values }),
      ];
      const totals = await timeInterleaved(sides, calls);
      const [bareMs, wrapperSqlMs, wrapperMs, preparedMs] = totals as [number, number, number, number];
      figures.push({
        rows,
        calls,
        bareMicros: (bareMs / calls) * 1000,
        wrapperSqlMicros: (wrapperSqlMs / calls) * 1000,
        wrapperSqlPreparedMicros: (preparedMs / calls) * 1000,
        wrapperMicros: (wrapperMs / calls) * 1000,
        overheadPercent: ((wrapperMs - bareMs) / bareMs) * 100,
      });
    }
    return figures;
  } finally {
    await db.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`).catch(() => {});
    await db.end();
    await rm(workDir, { recursive: true, force: true });
  }
}

export function printWrapper(figures: readonly WrapperFigures[]): void {
  console.log('Generated wrapper vs bare pg query (same procedure, same connection, calls taking turns)');
  for (const figure of figures) {
    const verdict = figure.overheadPercent < 5 ? 'meets' : 'MISSES';
    console.log(
      `  ${String(figure.rows).padStart(3)} row${figure.rows === 1 ? ' ' : 's'} × ${figure.calls} calls: ` +
        `bare ${figure.bareMicros.toFixed(0)} µs/call, wrapper ${figure.wrapperMicros.toFixed(0)} µs/call ` +
        `(its SQL alone through bare pg: ${figure.wrapperSqlMicros.toFixed(0)} µs, ` +
        `as a prepared statement: ${figure.wrapperSqlPreparedMicros.toFixed(0)} µs), ` +
        `ratio ${(figure.wrapperMicros / figure.bareMicros).toFixed(3)} ` +
        `(overhead ${figure.overheadPercent.toFixed(1)} %; goal < 5 %: ${verdict})`,
    );
  }
}
