import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseSources } from '../../../generator/parse/index.js';

const proceduresFolder = fileURLToPath(new URL('../../../procedures/', import.meta.url));
const files = readdirSync(proceduresFolder)
  .filter((name) => name.endsWith('.sql'))
  .sort()
  .map((name) => ({ path: `procedures/${name}`, text: readFileSync(proceduresFolder + name, 'utf8') }));

/**
 * Every `[schema.]sp_name` a `CREATE [OR REPLACE] FUNCTION|PROCEDURE` writes in the files and no later
 * `DROP FUNCTION|PROCEDURE` removes, read without a parser, in file and text order.
 */
function writtenSpNames(): Set<string> {
  const names = new Set<string>();
  const pattern =
    /(create\s+(?:or\s+replace\s+)?|drop\s+)(?:function|procedure)\s+(?:if\s+exists\s+)?(?:(?:"[^"]+"|[\w{}]+)\.)?"?(sp_\w+)/gi;
  for (const file of files) {
    for (const match of file.text.matchAll(pattern)) {
      const name = match[2]!.toLowerCase();
      if (/^drop/i.test(match[1]!)) names.delete(name);
      else names.add(name);
    }
  }
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
