import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseOnly } from '../../../generator/cli/pipeline.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';
import { caseConfig, caseInput, goldenCases, goldenRoot } from './golden-case.js';

/** The cases that write TypeScript hold SQL PostgreSQL accepts: applied to a server, the model must match pg_proc. */
const appliedCases = goldenCases().filter((name) => existsSync(join(goldenRoot, name, 'expected.ts')));

describe('golden cases applied to PostgreSQL', () => {
  it.each(appliedCases)('%s: the model equals pg_proc, schemas included', async (name) => {
    const sources = [{ path: 'input.sql', text: caseInput(name) }];
    const config = { ...caseConfig(name), include: '*' };
    const { model } = parseOnly(sources, config);
    const differences = await verifyModel({
      connectionString: inject('databaseUrl'),
      sources,
      model,
      placeholder: config.placeholder,
      include: config.include,
      variables: config.variables,
      searchPath: config.searchPath,
    });
    expect(differences).toEqual([]);
  });
});
