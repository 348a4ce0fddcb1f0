import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { catalogTypeNames } from '../../../generator/parse/catalog-type-names.js';

describe('catalogTypeNames', () => {
  it("is the server's pg_catalog types, without arrays and catalog row types", async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    client.on('error', () => {});
    await client.connect();
    try {
      const { rows } = await client.query<{ typname: string }>(
        `SELECT typname FROM pg_type
          WHERE typnamespace = 'pg_catalog'::regnamespace AND typrelid = 0 AND typname NOT LIKE '\\_%'`,
      );
      expect([...catalogTypeNames].sort()).toEqual(rows.map((row) => row.typname).sort());
    } finally {
      await client.end();
    }
  });
});
