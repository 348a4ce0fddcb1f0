import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandInputs, splitPattern } from '../../../generator/cli/glob.js';

let root: string;
const namesFolder = [
  '0001_a.sql',
  '001_a.sql',
  '.hidden.sql',
  'a.sql.bak',
  '1.sql',
  '2.sql',
  'a.sql',
  'b.sql',
  'c.sql',
  'a+b.sql',
  'aab.sql',
];

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
    'procedures/.hidden-folder/0005_hidden.sql',
    'extra/a.sql',
    'brackets/[ab.sql',
    'brackets/0003_fix(orders).sql',
    'brackets/0003_fix_orders.sql',
    'brackets/!bang.sql',
    ...namesFolder.map((name) => `names/${name}`),
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

describe('pattern syntax', () => {
  it.each([
    ['*.sql', ['0001_a.sql', '001_a.sql', '1.sql', '2.sql', 'a+b.sql', 'a.sql', 'aab.sql', 'b.sql', 'c.sql']],
    ['00??_*.sql', ['0001_a.sql']],
    ['?.sql', ['1.sql', '2.sql', 'a.sql', 'b.sql', 'c.sql']],
    ['[0-1]*.sql', ['0001_a.sql', '001_a.sql', '1.sql']],
    ['[!0-1]*.sql', ['2.sql', 'a+b.sql', 'a.sql', 'aab.sql', 'b.sql', 'c.sql']],
    ['{a,b}.sql', ['a.sql', 'b.sql']],
    ['{1..2}.sql', ['1.sql', '2.sql']],
    ['a+b.sql', ['a+b.sql']],
    ['.*.sql', ['.hidden.sql']],
    ['.hidden.sql', ['.hidden.sql']],
  ])('names/%s matches exactly %j', async (pattern, expected) => {
    expect(relativeTo(await expandInputs([`names/${pattern}`], root))).toEqual(expected.map((name) => `names/${name}`));
  });

  it('reads other characters, parentheses, | and a leading ! included, as part of a name', async () => {
    expect(relativeTo(await expandInputs(['brackets/*(orders).sql'], root))).toEqual(['brackets/0003_fix(orders).sql']);
    await expect(expandInputs(['brackets/*(orders|x).sql'], root)).rejects.toThrow('matched no files');
    expect(relativeTo(await expandInputs(['brackets/!*.sql'], root))).toEqual(['brackets/!bang.sql']);
    expect(relativeTo(await expandInputs(['brackets/0003_fix(orders).sql'], root))).toEqual([
      'brackets/0003_fix(orders).sql',
    ]);
  });

  it('reads an unclosed class as a literal name', async () => {
    expect(relativeTo(await expandInputs(['brackets/[ab.sql'], root))).toEqual(['brackets/[ab.sql']);
    await expect(expandInputs(['names/[ab.sql'], root)).rejects.toThrow("input file 'names/[ab.sql' does not exist");
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
    expect(
      relativeTo(await expandInputs(['extra/a.sql', 'procedures/0002_second.sql', 'procedures/*.sql'], root)),
    ).toEqual(['extra/a.sql', 'procedures/0002_second.sql', 'procedures/0001_first.sql', 'procedures/0010_late.sql']);
  });

  it('descends folders for **, including none, but not into folders whose names start with a dot', async () => {
    expect(relativeTo(await expandInputs(['procedures/**/*.sql'], root))).toEqual([
      'procedures/0001_first.sql',
      'procedures/0002_second.sql',
      'procedures/0010_late.sql',
      'procedures/nested/0003_deep.sql',
      'procedures/nested/more/0004_deeper.sql',
    ]);
  });

  it('lets no wildcard match a name starting with a dot, but a pattern segment starting with one reaches it', async () => {
    expect(relativeTo(await expandInputs(['procedures/**/[!x]*.sql'], root))).toEqual([
      'procedures/0001_first.sql',
      'procedures/0002_second.sql',
      'procedures/0010_late.sql',
      'procedures/nested/0003_deep.sql',
      'procedures/nested/more/0004_deeper.sql',
    ]);
    expect(relativeTo(await expandInputs(['procedures/.hidden-*/*.sql'], root))).toEqual([
      'procedures/.hidden-folder/0005_hidden.sql',
    ]);
    expect(relativeTo(await expandInputs(['procedures/.hidden-folder/*.sql'], root))).toEqual([
      'procedures/.hidden-folder/0005_hidden.sql',
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
    await expect(expandInputs(['nowhere/*.sql'], root)).rejects.toThrow(
      "input pattern 'nowhere/*.sql' matched no files",
    );
  });
});

describe('splitPattern', () => {
  it('splits at the literal folder a pattern starts from, recursive when wildcards span folders', () => {
    expect(splitPattern('procedures/*.sql', '/repo')).toEqual({
      base: '/repo/procedures',
      rest: '*.sql',
      recursive: false,
    });
    expect(splitPattern('procedures/**/*.sql', '/repo')).toEqual({
      base: '/repo/procedures',
      rest: '**/*.sql',
      recursive: true,
    });
    expect(splitPattern('*.sql', '/repo')).toEqual({ base: '/repo', rest: '*.sql', recursive: false });
    expect(splitPattern('../sql/*/x.sql', '/repo/sub')).toEqual({
      base: '/repo/sql',
      rest: '*/x.sql',
      recursive: true,
    });
    expect(splitPattern('/abs/sql/0001.sql', '/repo')).toEqual({
      base: '/abs/sql',
      rest: '0001.sql',
      recursive: false,
    });
    expect(splitPattern('/0001.sql', '/repo')).toEqual({ base: '/', rest: '0001.sql', recursive: false });
  });
});
