import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../../generator/cli/resolve-config.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'config-test-'));
  await mkdir(join(root, 'project', 'sub'), { recursive: true });
  await writeFile(
    join(root, 'project', 'pg-sproc-gen.config.json'),
    JSON.stringify({ input: ['sql/*.sql'], output: 'out', int8: 'bigint', runtimeImport: 'my-runtime' }),
  );
  await writeFile(join(root, 'bad.json'), '{ "input": ["a.sql"], "output": "o", "inculde": "x" }');
  await writeFile(join(root, 'not-json.json'), '{ input: ');
  await writeFile(join(root, 'wrong-type.json'), '{ "input": "a.sql", "output": "o" }');
  await writeFile(
    join(root, 'several.json'),
    '{ "input": ["a.sql"], "output": "o", "typeOverrides": { "money": 1 }, "placeholder": "", "extra": true }',
  );
  await writeFile(
    join(root, 'override-without-module.json'),
    '{ "input": ["a.sql"], "output": "o", "typeOverrides": { "geometry": { "type": "G", "decode": "decodeG" } } }',
  );
  await writeFile(join(root, 'with-schema.json'), '{ "$schema": "./schema.json", "input": ["a.sql"], "output": "o" }');
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('resolveConfig', () => {
  it('reads pg-sproc-gen.config.json from the working folder and fills the documented defaults', async () => {
    const resolved = await resolveConfig({}, join(root, 'project'));
    expect(resolved.config).toEqual({
      input: ['sql/*.sql'],
      output: 'out',
      include: '^sp_',
      placeholder: '{schema}',
      variables: {},
      searchPath: ['$user', 'public'],
      strict: false,
      int8: 'bigint',
      numeric: 'string',
      schemaNaming: 'nested',
      typeOverrides: {},
      jsonTypesModule: null,
      runtimeImport: 'my-runtime',
      fingerprintFunction: null,
    });
    expect(resolved.inputBase).toBe(join(root, 'project'));
    expect(resolved.outputDir).toBe(join(root, 'project', 'out'));
  });

  it('resolves config paths against the config file and flag paths against the working folder', async () => {
    const resolved = await resolveConfig(
      { config: '../pg-sproc-gen.config.json', output: 'elsewhere', include: '*', int8: 'number' },
      join(root, 'project', 'sub'),
    );
    expect(resolved.inputBase).toBe(join(root, 'project'));
    expect(resolved.outputDir).toBe(join(root, 'project', 'sub', 'elsewhere'));
    expect(resolved.config.include).toBe('*');
    expect(resolved.config.int8).toBe('number');

    const withInput = await resolveConfig(
      { config: '../pg-sproc-gen.config.json', input: ['x.sql'] },
      join(root, 'project', 'sub'),
    );
    expect(withInput.inputBase).toBe(join(root, 'project', 'sub'));
    expect(withInput.config.input).toEqual(['x.sql']);
  });

  it('works without a config file, defaulting the runtime import to the runtime shipped with the generator, by package name', async () => {
    const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
    const resolved = await resolveConfig({ input: ['a.sql'], output: join(repositoryRoot, 'generated') }, root);
    expect(resolved.configFile).toBeNull();
    expect(resolved.config.runtimeImport).toBe('pg-sproc-gen/runtime');
  });

  it("merges --variable values over the file's variables, and takes --strict", async () => {
    await writeFile(
      join(root, 'variables.json'),
      JSON.stringify({ input: ['a.sql'], output: 'o', variables: { a: '1', b: '2' }, searchPath: ['app'] }),
    );
    const resolved = await resolveConfig(
      { config: 'variables.json', variable: ['b=two', 'c=x=y'], strict: true },
      root,
    );
    expect(resolved.config.variables).toEqual({ a: '1', b: 'two', c: 'x=y' });
    expect(resolved.config.searchPath).toEqual(['app']);
    expect(resolved.config.strict).toBe(true);
  });

  it('accepts a "$schema" for editors and keeps it out of the configuration', async () => {
    const resolved = await resolveConfig({ config: 'with-schema.json' }, root);
    expect(resolved.config).not.toHaveProperty('$schema');
    expect(resolved.config.input).toEqual(['a.sql']);
  });

  it('names every problem of a file, one per line', async () => {
    const error = await resolveConfig({ config: 'several.json' }, root).catch((caught: Error) => caught);
    expect(error).toBeInstanceOf(Error);
    const lines = (error as Error).message.split('\n').sort();
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/several\.json: 'placeholder' must be a non-empty string, got ""$/);
    expect(lines[1]).toMatch(
      /several\.json: 'typeOverrides' must be an object mapping PostgreSQL type names to TypeScript types or to \{type, module, decode, encode\}, got \{"money":1\}$/,
    );
    expect(lines[2]).toMatch(/several\.json: unknown setting 'extra' \(known: input, output, .*\$schema\)$/);
  });

  it.each([
    [{ config: 'missing.json' }, /cannot read config file .*missing\.json/],
    [{ config: 'bad.json' }, /unknown setting 'inculde'/],
    [{ config: 'not-json.json' }, /is not valid JSON/],
    [
      { config: 'override-without-module.json' },
      /'typeOverrides' \["geometry"\] names a decode or encode export but no module$/,
    ],
    [{ config: 'wrong-type.json' }, /'input' must be a non-empty array of file names or globs, got "a\.sql"/],
    [{ input: ['a.sql'] }, /no output folder/],
    [{ output: 'o' }, /no input files/],
    [{ input: ['a.sql'], output: 'o', include: '(' }, /'include' is not a valid regular expression/],
    [{ input: ['a.sql'], output: 'o', int8: 'float' }, /'int8' must be "number" or "bigint"/],
    [{ input: ['a.sql'], output: 'o', variable: ['novalue'] }, /--variable must be name=value, got novalue/],
  ])('rejects %j with a clear message', async (flags, message) => {
    await expect(resolveConfig(flags, root)).rejects.toThrow(message);
  });
});
