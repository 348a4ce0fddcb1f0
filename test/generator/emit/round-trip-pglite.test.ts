import { PGlite } from '@electric-sql/pglite';
import { afterAll, describe } from 'vitest';
import { substituteSchema } from '../../../generator/runtime/schema-sources.js';
import { caseInput } from '../golden/golden-case.js';
import { roundTripSuite } from './round-trip-suite.js';

// PGlite runs PostgreSQL in-process: one instance for this file is a fresh database of its own.
const db = new PGlite();

afterAll(async () => {
  await db.close();
});

describe('generated clients on PGlite', () => {
  roundTripSuite(async (caseName) => {
    const schema = `Lite ${caseName}`;
    await db.exec(`CREATE SCHEMA "${schema}"`);
    await db.exec(substituteSchema(caseInput(caseName), '{schema}', schema));
    return { db, schema };
  });
});
