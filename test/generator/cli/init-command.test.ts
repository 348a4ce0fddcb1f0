import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCliInProcess } from './support/run-cli.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-init-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const readConfig = async () =>
  JSON.parse(await readFile(join(dir, 'pg-sproc-gen.config.json'), 'utf8')) as Record<string, unknown>;

describe('pg-sproc-gen init', () => {
  it('writes a starter config that names the JSON Schema by path and that generate accepts', async () => {
    const result = await runCliInProcess(['init'], dir);
    expect(result.code).toBe(0);
    const config = await readConfig();
    expect(config).toMatchObject({ input: ['sql/**/*.sql'], output: 'src/db', include: '*' });
    expect(resolve(dir, config.$schema as string)).toBe(
      resolve(import.meta.dirname, '..', '..', '..', 'generator', 'config', 'pg-sproc-gen.schema.json'),
    );

    await mkdir(join(dir, 'sql', 'v1'), { recursive: true });
    await writeFile(
      join(dir, 'sql', 'v1', 'a.sql'),
      'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;\n',
    );
    const generated = await runCliInProcess(['generate'], dir);
    expect(generated.stderr).toBe('');
    expect(generated.stdout).toBe(
      '1 of 1 routine generated, 0 left out → src/db/ (1 written, 0 removed, 0 unchanged)\n',
    );
    expect(await readFile(join(dir, 'src', 'db', 'procedures.ts'), 'utf8')).toContain("from 'pg-sproc-gen/runtime';");
  });

  it('takes the input, output and include from flags', async () => {
    const result = await runCliInProcess(['init', '--input', 'db/*.sql', '--output', 'gen', '--include', '^api_'], dir);
    expect(result.code).toBe(0);
    expect(await readConfig()).toMatchObject({ input: ['db/*.sql'], output: 'gen', include: '^api_' });
  });

  it('refuses to replace an existing config unless --force is given', async () => {
    await writeFile(join(dir, 'pg-sproc-gen.config.json'), '{}\n');
    const refused = await runCliInProcess(['init'], dir);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe('pg-sproc-gen.config.json already exists; pass --force to replace it\n');
    expect(await readFile(join(dir, 'pg-sproc-gen.config.json'), 'utf8')).toBe('{}\n');

    const forced = await runCliInProcess(['init', '--force'], dir);
    expect(forced.code).toBe(0);
    expect(await readConfig()).toHaveProperty('include', '*');
  });
});
