import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs, globBase, segmentToRegExp } from '../../../generator/cli/glob.js';

let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'glob-test-'));
  const files = [
    'procedures/0010_late.sql',
    'procedures/0002_second.sql',
    'procedures/0001_first.sql',
    'procedures/.0000_hidden.sql',
    'procedures/notes.md',
    'procedures/nested/0003_deep.sql',
    'procedures/nested/more/0004_deeper.sql',
    'extra/a.sql',
  ];
  for (const file of files) {
    await mkdir(join(root, file, '..'), { recursive: true });
    await writeFile(join(root, file), '');
  }
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const relativeTo = (paths: string[]) => paths.map((path) => path.slice(root.length + 1));

describe('segmentToRegExp', () => {
  it.each([
    ['*.sql', '0001_a.sql', true],
    ['*.sql', '.hidden.sql', false],
    ['*.sql', 'a.sql.bak', false],
    ['00??_*.sql', '0001_a.sql', true],
    ['00??_*.sql', '001_a.sql', false],
    ['[0-1]*.sql', '1.sql', true],
    ['[!0-1]*.sql', '1.sql', false],
    ['[!0-1]*.sql', '2.sql', true],
    ['{a,b}.sql', 'b.sql', true],
    ['{a,b}.sql', 'c.sql', false],
    ['a+b.sql', 'a+b.sql', true],
    ['a+b.sql', 'aab.sql', false],
  ])('%s matches %s: %s', (segment, name, expected) => {
    expect(segmentToRegExp(segment).test(name)).toBe(expected);
  });

  it('rejects an unclosed class', () => {
    expect(() => segmentToRegExp('[ab')).toThrow(/unclosed '\['/);
  });
});

describe('expandInputs', () => {
  it('sorts each pattern by name and skips hidden files and other extensions', async () => {
    expect(relativeTo(await expandInputs(['procedures/*.sql'], root))).toEqual([
      'procedures/0001_first.sql',
      'procedures/0002_second.sql',
      'procedures/0010_late.sql',
    ]);
  });

  it('keeps the order of the patterns and the first position of a file matched twice', async () => {
    expect(relativeTo(await expandInputs(['extra/a.sql', 'procedures/0002_second.sql', 'procedures/*.sql'], root))).toEqual([
      'extra/a.sql',
      'procedures/0002_second.sql',
      'procedures/0001_first.sql',
      'procedures/0010_late.sql',
    ]);
  });

  it('descends folders for **, including none', async () => {
    expect(relativeTo(await expandInputs(['procedures/**/*.sql'], root))).toEqual([
      'procedures/0001_first.sql',
      'procedures/0002_second.sql',
      'procedures/0010_late.sql',
      'procedures/nested/0003_deep.sql',
      'procedures/nested/more/0004_deeper.sql',
    ]);
  });

  it('accepts ./ and ../ and absolute patterns', async () => {
    expect(relativeTo(await expandInputs(['./extra/*.sql'], root))).toEqual(['extra/a.sql']);
    expect(relativeTo(await expandInputs(['../extra/a.sql'], join(root, 'procedures')))).toEqual(['extra/a.sql']);
    expect(relativeTo(await expandInputs([join(root, 'extra', '*.sql')], '/'))).toEqual(['extra/a.sql']);
  });

  it('fails clearly on a missing file or a pattern that matches nothing', async () => {
    await expect(expandInputs(['procedures/9999_missing.sql'], root)).rejects.toThrow(
      "input file 'procedures/9999_missing.sql' does not exist",
    );
    await expect(expandInputs(['nowhere/*.sql'], root)).rejects.toThrow("input pattern 'nowhere/*.sql' matched no files");
  });
});

describe('globBase', () => {
  it('is the literal folder a pattern starts from', () => {
    expect(globBase('procedures/*.sql', '/repo')).toBe('/repo/procedures');
    expect(globBase('procedures/**/*.sql', '/repo')).toBe('/repo/procedures');
    expect(globBase('*.sql', '/repo')).toBe('/repo');
    expect(globBase('/abs/sql/0001.sql', '/repo')).toBe('/abs/sql');
  });
});
