import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseSources } from '../../../generator/parse/index.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';
import { caseConfig, caseInput, goldenCases, goldenRoot } from './golden-case.js';

/**
 * Cases that also create routines outside the tenant schema (`public`, `rt_app`): the round-trip suite installs
 * them for good while it runs, and two sessions replacing one function at once fail ("tuple concurrently updated").
 */
const sharedSchemaCases = new Set(['names', 'schemas', 'schemas-prefixed']);

describe('every golden case that generates TypeScript, verified on the server', () => {
  const cases = goldenCases().filter(
    (name) => existsSync(join(goldenRoot, name, 'expected.ts')) && !sharedSchemaCases.has(name),
  );

  it.each(cases)('%s: the model equals pg_proc and PostgreSQL accepts every generated call', async (name) => {
    const sources = [{ path: 'input.sql', text: caseInput(name) }];
    const config = caseConfig(name);
    const { model } = parseSources(sources, { placeholder: config.placeholder });
    const differences = await verifyModel({
      connectionString: inject('databaseUrl'),
      sources,
      model,
      placeholder: config.placeholder,
      include: '*',
      config: { ...config, include: '*', fingerprintFunction: null },
    });
    expect(differences).toEqual([]);
  });
});
