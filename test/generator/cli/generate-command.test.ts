import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFixture, runCli, runCliInProcess } from './support/run-cli.js';

let fixture: { dir: string; remove: () => Promise<void> };

beforeEach(async () => {
  fixture = await copyFixture('basic');
});
afterEach(async () => {
  await fixture.remove();
});

async function outputFiles(dir: string): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files[path.slice(dir.length + 1)] = await readFile(path, 'utf8');
    }
  }
  return files;
}

describe('pg-sproc-gen generate', () => {
  it('writes the client for the included procedures of the final migration state and prints a summary', async () => {
    const result = await runCliInProcess(['generate'], fixture.dir);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(
      /^3 of 3 routines generated, 0 left out → out\/ \(\d+ written, 0 removed, 0 unchanged\)\n$/,
    );

    const text = Object.values(await outputFiles(join(fixture.dir, 'out'))).join('\n');
    expect(text).toMatch(/do not edit/i);
    for (const name of ['sp_add', 'sp_list_tags', 'sp_touch']) expect(text).toContain(name);
    expect(text).not.toContain('sp_obsolete');
    expect(text).not.toContain('helper_double');

    const again = await runCliInProcess(['generate'], fixture.dir);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(
      /^3 of 3 routines generated, 0 left out → out\/ \(0 written, 0 removed, \d+ unchanged\)\n$/,
    );
  });

  it('lets flags override the config file', async () => {
    const result = await runCliInProcess(
      ['generate', '--include', '*', '--output', 'elsewhere', '--int8', 'bigint'],
      fixture.dir,
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^4 of 4 routines generated, 0 left out → elsewhere\//);
    const text = Object.values(await outputFiles(join(fixture.dir, 'elsewhere'))).join('\n');
    expect(text).toContain('helper_double');
    expect(text).toContain('bigint');
  });

  it('reads only the inputs given with --input, in their order', async () => {
    const result = await runCliInProcess(['generate', '--input', 'sql/0001_types_and_functions.sql'], fixture.dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^3 of 3 routines generated, 0 left out → out\//);
    const text = Object.values(await outputFiles(join(fixture.dir, 'out'))).join('\n');
    expect(text).toContain('sp_obsolete');
    expect(text).not.toContain('sp_touch');
  });

  it('removes generated files it no longer produces and leaves other files alone', async () => {
    expect((await runCliInProcess(['generate'], fixture.dir)).code).toBe(0);
    const out = join(fixture.dir, 'out');
    const [first] = Object.entries(await outputFiles(out));
    await writeFile(join(out, 'left-over.ts'), first![1]);
    await writeFile(join(out, 'hand-written.ts'), 'export const mine = 1;\n');

    const result = await runCliInProcess(['generate'], fixture.dir);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/0 written, 1 removed/);
    const files = await outputFiles(out);
    expect(files['left-over.ts']).toBeUndefined();
    expect(files['hand-written.ts']).toBe('export const mine = 1;\n');
  });

  const undeclaredType = [
    '-- a type nobody declared',
    'CREATE FUNCTION {schema}.sp_bad(p_x widget)',
    'RETURNS int4 LANGUAGE sql AS $$ SELECT 1 $$;',
    '',
  ].join('\n');

  it('leaves out a routine it cannot type, says where and why, and writes the rest', async () => {
    await writeFile(join(fixture.dir, 'sql', '0003_broken.sql'), undeclaredType);
    const result = await runCliInProcess(['generate'], fixture.dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^sql\/0003_broken\.sql:2:1: warning\[unknown-type\]: sp_bad: .*widget/m);
    expect(result.stdout).toMatch(/^3 of 4 routines generated, 1 left out → out\//);
    const text = Object.values(await outputFiles(join(fixture.dir, 'out'))).join('\n');
    for (const name of ['sp_add', 'sp_list_tags', 'sp_touch']) expect(text).toContain(name);
    expect(text).not.toContain('sp_bad');
  });

  it('with --strict, prints diagnostics as file:line:col with a code frame, exits 1 and writes nothing', async () => {
    await writeFile(join(fixture.dir, 'sql', '0003_broken.sql'), undeclaredType);
    // The bin itself, spawned: a failing run must reach the shell as exit code 1 with its diagnostics on stderr.
    const result = await runCli(['generate', '--strict'], fixture.dir);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^sql\/0003_broken\.sql:2:\d+: error\[[a-z-]+\]: .*widget/m);
    expect(result.stderr).toContain('> 2 | CREATE FUNCTION {schema}.sp_bad(p_x widget)');
    expect(result.stderr).toMatch(/\n\s+\|\s+\^/);
    expect(result.stderr).toMatch(/1 error; nothing written/);
    expect(await outputFiles(join(fixture.dir, 'out')).catch(() => ({}))).toEqual({});
  });

  it('reports SQL that does not parse, as an error when strict', async () => {
    await writeFile(join(fixture.dir, 'sql', '0003_syntax.sql'), 'CREATE FUNCTION {schema}.sp_bad(\nRETURNS;\n');
    const result = await runCliInProcess(['generate'], fixture.dir);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^sql\/0003_syntax\.sql:\d+:\d+: warning\[parse-error\]: /m);
    const strict = await runCliInProcess(['generate', '--strict'], fixture.dir);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/^sql\/0003_syntax\.sql:\d+:\d+: error\[parse-error\]: /m);
  });

  it('fails clearly on a bad config, a missing input and an unknown flag', async () => {
    const missing = await runCliInProcess(['generate', '--input', 'nope/*.sql', '--output', 'o'], fixture.dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("error: input pattern 'nope/*.sql' matched no files");

    const unknown = await runCliInProcess(['generate', '--frobnicate'], fixture.dir);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown option '--frobnicate'");

    const badChoice = await runCliInProcess(['generate', '--int8', 'float'], fixture.dir);
    expect(badChoice.code).toBe(1);
    expect(badChoice.stderr).toMatch(/argument 'float' is invalid/);

    await writeFile(
      join(fixture.dir, 'pg-sproc-gen.config.json'),
      '{ "input": ["sql/*.sql"], "output": "out", "int8": 8 }',
    );
    const badConfig = await runCliInProcess(['generate'], fixture.dir);
    expect(badConfig.code).toBe(1);
    expect(badConfig.stderr).toMatch(/error: .*pg-sproc-gen\.config\.json: 'int8' must be "number" or "bigint", got 8/);
  });
});

describe('pg-sproc-gen generate --check', () => {
  it('passes when the output is current, and names what is stale otherwise without writing', async () => {
    const missing = await runCliInProcess(['generate', '--check'], fixture.dir);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^out\/ is stale; run the generator to update it:\n {2}missing: out\//);

    expect((await runCliInProcess(['generate'], fixture.dir)).code).toBe(0);
    const current = await runCliInProcess(['generate', '--check'], fixture.dir);
    expect(current.code).toBe(0);
    expect(current.stdout).toBe('out/ is up to date (3 of 3 routines generated, 0 left out)\n');

    const before = await outputFiles(join(fixture.dir, 'out'));
    await writeFile(
      join(fixture.dir, 'sql', '0003_more.sql'),
      'CREATE FUNCTION {schema}.sp_more(p_x text) RETURNS text LANGUAGE sql AS $$ SELECT p_x $$;\n',
    );
    const stale = await runCliInProcess(['generate', '--check'], fixture.dir);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/ {2}(differs|missing): out\/\S+/);
    expect(await outputFiles(join(fixture.dir, 'out'))).toEqual(before);
  });
});
