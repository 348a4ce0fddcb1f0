import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Model } from '../../../generator/model/types.js';
import { parseSources } from '../../../generator/parse/index.js';
import { copyFixture, runCli, runCliInProcess } from './support/run-cli.js';

let fixture: { dir: string; remove: () => Promise<void> };

beforeAll(async () => {
  fixture = await copyFixture('basic');
});
afterAll(async () => {
  await fixture.remove();
});

describe('pg-sproc-gen generate --print-model', () => {
  it('prints exactly the parse model of the inputs as JSON and writes no files', async () => {
    // The bin itself, spawned: the whole JSON must reach a pipe before the process exits.
    const result = await runCli(['generate', '--print-model'], fixture.dir);
    expect(result.code).toBe(0);
    const printed = JSON.parse(result.stdout) as Model;

    const paths = ['sql/0001_types_and_functions.sql', 'sql/0002_changes.sql'];
    const sources = await Promise.all(
      paths.map(async (path) => ({ path, text: await readFile(join(fixture.dir, path), 'utf8') })),
    );
    expect(printed).toEqual(parseSources(sources, { placeholder: '{schema}' }).model);
    await expect(readFile(join(fixture.dir, 'out'))).rejects.toThrow(/ENOENT/);
  });

  it('keeps the documented shape', async () => {
    const printed = JSON.parse((await runCliInProcess(['generate', '--print-model'], fixture.dir)).stdout) as Model;
    expect(Object.keys(printed).sort()).toEqual(['procedures', 'types']);
    expect(printed.procedures.map((procedure) => procedure.name).sort()).toEqual([
      'helper_double',
      'sp_add',
      'sp_list_tags',
      'sp_touch',
    ]);
    const add = printed.procedures.find((procedure) => procedure.name === 'sp_add')!;
    expect(Object.keys(add).sort()).toEqual(
      [
        'annotations',
        'doc',
        'kind',
        'language',
        'location',
        'name',
        'parameters',
        'parsedBy',
        'raises',
        'returns',
        'schema',
        'security',
        'volatility',
      ].sort(),
    );
    expect(add).toMatchObject({
      kind: 'function',
      schema: { kind: 'placeholder' },
      parameters: [
        {
          name: 'p_a',
          type: { schema: { kind: 'unqualified' }, name: 'int4', arrayDimensions: 0, modifiers: [] },
          mode: 'in',
          hasDefault: false,
          defaultText: null,
        },
        { name: 'p_b', type: { name: 'int4' }, mode: 'in', hasDefault: true, defaultText: '1' },
      ],
      returns: { kind: 'scalar', type: { name: 'int4' } },
      language: 'sql',
      volatility: 'stable',
      location: { file: 'sql/0002_changes.sql', line: 2, column: 1 },
    });
    const tags = printed.procedures.find((procedure) => procedure.name === 'sp_list_tags')!;
    expect(tags.returns).toEqual({
      kind: 'table',
      columns: [
        { name: 'tag', type: { schema: { kind: 'unqualified' }, name: 'text', arrayDimensions: 0, modifiers: [] } },
        { name: 'mood', type: { schema: { kind: 'placeholder' }, name: 'mood', arrayDimensions: 0, modifiers: [] } },
      ],
    });
    expect(printed.types).toEqual([
      expect.objectContaining({
        kind: 'enum',
        schema: { kind: 'placeholder' },
        name: 'mood',
        values: ['happy', 'sad'],
      }),
    ]);
  });

  it('keeps the documented shape of tables, views, domains and ranges', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'print-model-'));
    try {
      await writeFile(join(dir, 'pg-sproc-gen.config.json'), JSON.stringify({ input: ['x.sql'], output: 'out' }));
      await writeFile(
        join(dir, 'x.sql'),
        `CREATE TABLE {schema}.t (id int8, label text);
         CREATE VIEW {schema}.v AS SELECT id, mystery(label) AS m FROM {schema}.t;
         CREATE DOMAIN {schema}.d AS varchar(3);
         CREATE TYPE {schema}.r AS RANGE (subtype = float8);`,
      );
      const printed = JSON.parse((await runCliInProcess(['generate', '--print-model'], dir)).stdout) as Model;
      const placeholder = { kind: 'placeholder' };
      const type = (name: string, modifiers: number[] = []) => ({
        schema: { kind: 'unqualified' },
        name,
        arrayDimensions: 0,
        modifiers,
      });
      expect(printed.types).toEqual([
        {
          kind: 'table',
          schema: placeholder,
          name: 't',
          columns: [
            { name: 'id', type: type('int8'), typeUnknownReason: null },
            { name: 'label', type: type('text'), typeUnknownReason: null },
          ],
          columnsUnknownReason: null,
          location: { file: 'x.sql', line: 1, column: 1 },
        },
        {
          kind: 'view',
          schema: placeholder,
          name: 'v',
          columns: [
            { name: 'id', type: type('int8'), typeUnknownReason: null },
            {
              name: 'm',
              type: null,
              typeUnknownReason: 'the result type of mystery(...) is not known without a server',
            },
          ],
          columnsUnknownReason: null,
          location: expect.objectContaining({ line: 2 }),
        },
        {
          kind: 'domain',
          schema: placeholder,
          name: 'd',
          baseType: type('varchar', [3]),
          location: expect.objectContaining({ line: 3 }),
        },
        {
          kind: 'range',
          schema: placeholder,
          name: 'r',
          subtype: type('float8'),
          multirange: { schema: placeholder, name: 'r_multirange' },
          location: expect.objectContaining({ line: 4 }),
        },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
