/**
 * Figures for the generator corpus (test/generator/corpus): per project and in total, the routines PostgreSQL's
 * catalog holds after the project's files, those whose model equals the catalog entry, those generated, and those
 * left out by reason. `npm run corpus:figures`; uses DATABASE_URL, else an embedded server.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { includeFilter } from '../../generator/analyze/include-filter.js';
import { applySources, searchPathStatement } from '../../generator/verify/apply-sources.js';
import { compareProcedures } from '../../generator/verify/compare-procedures.js';
import { readCatalog, snapshotCatalog } from '../../generator/verify/read-catalog.js';
import { TypeResolver } from '../../generator/verify/resolve-types.js';
import { quoteIdentifier } from '../../generator/runtime/quote-identifier.js';
import { connectionFromEnvironment } from '../../test/support/embedded-postgres.js';
import { corpusProjects, reasonLabel, runProject, type CorpusRun } from '../../test/generator/corpus/corpus-project.js';

interface Figures {
  catalog: number;
  equal: number;
  generated: number;
  leftOut: Map<string, number>;
}

/** Applies the project's files in a transaction that is rolled back, and compares each modelled routine alone. */
async function catalogFigures(client: pg.Client, run: CorpusRun): Promise<{ catalog: number; equal: number }> {
  const tenantSchema = `corpus_figures_${randomBytes(6).toString('hex')}`;
  const { config } = run;
  await client.query('BEGIN');
  try {
    const before = await snapshotCatalog(client);
    await applySources(client, run.sources, tenantSchema, config);
    await client.query(searchPathStatement(config.searchPath, config.placeholder, tenantSchema));
    const isIncluded = includeFilter(config.include);
    const catalog = (await readCatalog(client, before)).filter(
      (entry) => isIncluded(entry.name) && !entry.constructsType,
    );
    const options = {
      tenantSchema,
      placeholder: config.placeholder,
      isIncluded,
      resolver: new TypeResolver(client, tenantSchema),
    };
    let equal = 0;
    for (const procedure of run.result.model.procedures.filter((entry) => isIncluded(entry.name))) {
      // Compared alone, every other catalog entry reads as missing from the model: only this routine's lines count.
      const differences = (await compareProcedures([procedure], catalog, options)).filter(
        (line) => !line.endsWith(': in the catalog but not in the model'),
      );
      if (differences.length === 0) equal += 1;
    }
    return { catalog: catalog.length, equal };
  } finally {
    await client.query('ROLLBACK');
    await client.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(tenantSchema)} CASCADE`);
  }
}

function print(name: string, figures: Figures): void {
  const reasons = [...figures.leftOut].sort(([a], [b]) => a.localeCompare(b));
  const leftOut = reasons.reduce((sum, [, count]) => sum + count, 0);
  console.log(
    `${name.padEnd(10)} catalog ${figures.catalog}, model = catalog ${figures.equal}, generated ${figures.generated}, left out ${leftOut}`,
  );
  for (const [reason, count] of reasons) console.log(`${''.padEnd(12)}${count} × ${reason}`);
}

const server = await connectionFromEnvironment();
const client = new pg.Client({ connectionString: server.connectionString });
// A dropped connection fails the running query, which reports it; unheard, the event would end the process.
client.on('error', () => {});
try {
  await client.connect();
  const total: Figures = { catalog: 0, equal: 0, generated: 0, leftOut: new Map() };
  for (const project of corpusProjects()) {
    const run = await runProject(project);
    const figures: Figures = {
      ...(await catalogFigures(client, run)),
      generated: run.result.routines.generated,
      leftOut: new Map(),
    };
    for (const { reasons } of run.leftOut) {
      const reason = reasons[0] ? reasonLabel(reasons[0]) : 'no reason given';
      figures.leftOut.set(reason, (figures.leftOut.get(reason) ?? 0) + 1);
      total.leftOut.set(reason, (total.leftOut.get(reason) ?? 0) + 1);
    }
    total.catalog += figures.catalog;
    total.equal += figures.equal;
    total.generated += figures.generated;
    print(project, figures);
  }
  print('total', total);
} finally {
  await client.end();
  await server.stop();
}
