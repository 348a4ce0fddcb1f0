import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseOnly } from '../../../generator/cli/pipeline.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';
import { caseConfig, caseInput, goldenCases, goldenRoot } from './golden-case.js';

/**
 * Cases that also create routines outside the tenant schema (`public`, `rt_app`): the round-trip suite installs
 * them for good while it runs, and two sessions replacing one function at once fail ("tuple concurrently updated").
 */
const sharedSchemaCases = new Set(['names', 'schemas', 'schemas-prefixed']);

/** The cases that write TypeScript hold SQL PostgreSQL accepts: applied to a server, the model must match pg_proc. */
const appliedCases = goldenCases().filter(
  (name) => existsSync(join(goldenRoot, name, 'expected.ts')) && !sharedSchemaCases.has(name),
);

describe('golden cases applied to PostgreSQL', () => {
  it.each(appliedCases)(
    '%s: the model equals the catalog, schemas included, and PostgreSQL accepts every generated call',
    async (name) => {
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
        config: { ...config, fingerprintFunction: null },
      });
      expect(differences).toEqual([]);
    },
  );
});
