import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { applyPlan, isUpToDate, planOutput } from '../../../generator/cli/output-files.js';
import { generatedHeader } from '../../../generator/emit/generated-header.js';

const header = generatedHeader('0123');
let output: string;

beforeEach(async () => {
  output = await mkdtemp(join(tmpdir(), 'output-test-'));
});
afterEach(async () => {
  await rm(output, { recursive: true, force: true });
});

describe('planOutput and applyPlan', () => {
  it('writes new and changed files, removes stale generated files, and leaves other files alone', async () => {
    await mkdir(join(output, 'old'), { recursive: true });
    await writeFile(join(output, 'same.ts'), `${header}same`);
    await writeFile(join(output, 'changed.ts'), `${header}before`);
    await writeFile(join(output, 'old', 'stale.ts'), `${header}stale`);
    await writeFile(join(output, 'hand-written.ts'), 'export const mine = 1;');

    const plan = await planOutput(
      [
        { path: 'same.ts', text: `${header}same` },
        { path: 'changed.ts', text: `${header}after` },
        { path: 'nested/new.ts', text: `${header}new` },
      ],
      output,
    );
    expect(isUpToDate(plan)).toBe(false);
    expect(plan.write.map((file) => [file.path.slice(output.length + 1), file.exists])).toEqual([
      ['changed.ts', true],
      ['nested/new.ts', false],
    ]);
    expect(plan.remove).toEqual([join(output, 'old', 'stale.ts')]);
    expect(plan.unchanged).toEqual([join(output, 'same.ts')]);

    await applyPlan(plan);
    expect(await readFile(join(output, 'changed.ts'), 'utf8')).toBe(`${header}after`);
    expect(await readFile(join(output, 'nested', 'new.ts'), 'utf8')).toBe(`${header}new`);
    expect(await readFile(join(output, 'hand-written.ts'), 'utf8')).toBe('export const mine = 1;');
    expect((await readdir(join(output, 'old'))).length).toBe(0);

    const again = await planOutput(
      [
        { path: 'same.ts', text: `${header}same` },
        { path: 'changed.ts', text: `${header}after` },
        { path: 'nested/new.ts', text: `${header}new` },
      ],
      output,
    );
    expect(isUpToDate(again)).toBe(true);
  });

  it('refuses a generated path outside the output folder', async () => {
    await expect(planOutput([{ path: '../escape.ts', text: header }], output)).rejects.toThrow(
      /outside the output folder/,
    );
  });
});
