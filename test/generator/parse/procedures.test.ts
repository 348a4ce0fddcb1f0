import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSources } from '../../../generator/parse/index.js';

const proceduresFolder = fileURLToPath(new URL('../../../procedures/', import.meta.url));
const files = readdirSync(proceduresFolder)
  .filter((name) => name.endsWith('.sql'))
  .sort()
  .map((name) => ({ path: `procedures/${name}`, text: readFileSync(proceduresFolder + name, 'utf8') }));

/** Every `CREATE [OR REPLACE] FUNCTION|PROCEDURE [schema.]sp_name` written in the files, read without a parser. */
function writtenSpNames(): Set<string> {
  const names = new Set<string>();
  const pattern = /create\s+(?:or\s+replace\s+)?(?:function|procedure)\s+(?:(?:"[^"]+"|[\w{}]+)\.)?"?(sp_\w+)/gi;
  for (const file of files) for (const match of file.text.matchAll(pattern)) names.add(match[1]!.toLowerCase());
  return names;
}

describe('procedures/*.sql', () => {
  it('parses with no error diagnostics and finds every sp_* function', () => {
    expect(files, 'the project has no procedures/*.sql: nothing to check').not.toHaveLength(0);
    const { model, diagnostics } = parseSources(files);
    expect(diagnostics.filter((diagnostic) => diagnostic.severity === 'error')).toEqual([]);
    const expected = writtenSpNames();
    expect(expected.size).toBeGreaterThan(0);
    const found = new Set(model.procedures.map((procedure) => procedure.name).filter((name) => name.startsWith('sp_')));
    expect(found).toEqual(expected);
  });

  it('reads the same model whichever parser reads each definition', () => {
    const byDefault = parseSources(files);
    const fromLibpgQuery = parseSources(files, { forceParser: 'libpg-query' });
    expect(byDefault.model.procedures.some((procedure) => procedure.parsedBy === 'pgsql-ast-parser')).toBe(true);
    const strip = (procedures: typeof byDefault.model.procedures): unknown =>
      procedures.map(({ parsedBy: _parsedBy, ...procedure }) => procedure);
    expect(strip(byDefault.model.procedures)).toEqual(strip(fromLibpgQuery.model.procedures));
    expect(byDefault.model.types).toEqual(fromLibpgQuery.model.types);
  });
});
