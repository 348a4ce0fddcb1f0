import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { parseSources } from '../../../generator/parse/index.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';
import { caseConfig, caseInput, goldenCases, goldenRoot } from '../golden/golden-case.js';

const databaseUrl = inject('databaseUrl');

describe('verify: every generated golden case', () => {
  // Cases that generate are the ones whose model must be exact; the diagnostics cases stop at their errors.
  const cases = goldenCases().filter((name) => existsSync(join(goldenRoot, name, 'expected.ts')));

  for (const name of cases) {
    it(`${name}: the model equals the catalog, routines, relations and types alike`, async () => {
      const sources = [{ path: 'input.sql', text: caseInput(name) }];
      const { placeholder } = caseConfig(name);
      const { model } = parseSources(sources, { placeholder });
      expect(await verifyModel({ connectionString: databaseUrl, sources, model, placeholder, include: '*' })).toEqual(
        [],
      );
    });
  }
});
