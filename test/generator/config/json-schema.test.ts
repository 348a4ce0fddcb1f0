import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configJsonSchema, configJsonSchemaPath } from '../../../generator/config/json-schema.js';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

describe('pg-sproc-gen.schema.json', () => {
  it('is what the config schema gives now (else run `npm run config-schema`)', async () => {
    const committed: unknown = JSON.parse(await readFile(configJsonSchemaPath, 'utf8'));
    expect(committed, 'generator/config/pg-sproc-gen.schema.json is stale: run `npm run config-schema`').toEqual(
      configJsonSchema(),
    );
  });

  it('rejects unknown settings and describes each setting for editors', () => {
    const schema = configJsonSchema() as { additionalProperties: unknown; properties: Record<string, object> };
    expect(schema.additionalProperties).toBe(false);
    for (const [name, property] of Object.entries(schema.properties)) {
      expect(property, name).toHaveProperty('description');
    }
  });

  it("is the schema the project's pg-sproc-gen.config.json names", async () => {
    const configPath = join(repositoryRoot, 'pg-sproc-gen.config.json');
    const config = JSON.parse(await readFile(configPath, 'utf8')) as { $schema: string };
    expect(resolve(dirname(configPath), config.$schema)).toBe(configJsonSchemaPath);
  });
});
