import type { ConsoleOutput } from './console-output.js';
import { formatDiagnostic, hasErrors } from './format-diagnostic.js';
import { includeFilter } from '../analyze/include-filter.js';
import { loadSources } from './load-sources.js';
import { parseOnly } from './pipeline.js';
import { resolveConfig, type ConfigFlags } from './resolve-config.js';
import { verifyModel } from '../verify/verify-model.js';

export interface VerifyFlags extends ConfigFlags {
  databaseUrl?: string;
}

/**
 * `verify`: parses the inputs, applies them to PostgreSQL (`--database-url`, else `DATABASE_URL`) and prints every
 * difference between the model and the catalog (`pg_proc`, and `pg_class`/`pg_type` for relations and types). Returns the exit code. The generator starts no server of its own: a
 * project brings one (this repository's `npm run verify` starts an embedded one through test/support/with-database.ts).
 */
export async function verifyCommand(flags: VerifyFlags, cwd: string, io: ConsoleOutput): Promise<number> {
  const resolved = await resolveConfig(flags, cwd);
  const sources = await loadSources(resolved, cwd);
  const { model, diagnostics } = parseOnly(sources, resolved.config);
  for (const diagnostic of diagnostics) io.err(formatDiagnostic(diagnostic, sources));
  if (hasErrors(diagnostics)) return 1;

  const connectionString = flags.databaseUrl ?? process.env.DATABASE_URL;
  if (!connectionString) {
    io.err('verify needs a PostgreSQL server to apply the SQL to: give --database-url or set DATABASE_URL');
    return 2;
  }
  const differences = await verifyModel({
    connectionString,
    sources,
    model,
    placeholder: resolved.config.placeholder,
    include: resolved.config.include,
    variables: resolved.config.variables,
    searchPath: resolved.config.searchPath,
    note: (line) => io.err(`note: ${line}`),
    config: resolved.config,
  });
  const isIncluded = includeFilter(resolved.config.include);
  const count = model.procedures.filter((procedure) => isIncluded(procedure.name)).length;
  const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const types = model.types.length;
  // The types (relations' row types included) are checked against pg_class and pg_type when the files have any.
  const checked =
    types === 0
      ? `${plural(count, 'procedure')} against pg_proc`
      : `${plural(count, 'procedure')} and ${plural(types, 'type')} against the catalog`;
  if (differences.length === 0) {
    io.out(`verified ${checked}, and every generated call: no differences`);
    return 0;
  }
  for (const difference of differences) io.err(difference);
  io.err(`${plural(differences.length, 'difference')} between the model and the catalog or in the generated calls`);
  return 1;
}
