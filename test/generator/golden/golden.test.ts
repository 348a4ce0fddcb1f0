import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { goldenCases, goldenRoot, runCase } from './golden-case.js';

const update = process.env.UPDATE_GOLDEN === '1';

function readOrNull(path: string): string | null {
  return existsSync(path) ? readFileSync(path, 'utf8') : null;
}

describe('golden cases (UPDATE_GOLDEN=1 rewrites the expected files)', () => {
  const cases = goldenCases();

  it('has cases', () => {
    expect(cases.length).toBeGreaterThan(5);
  });

  for (const name of cases) {
    it(name, async () => {
      const folder = join(goldenRoot, name);
      const { typescript, diagnostics } = await runCase(name);
      if (update) {
        writeFileSync(join(folder, 'expected-diagnostics.txt'), diagnostics);
        if (typescript === null) rmSync(join(folder, 'expected.ts'), { force: true });
        else writeFileSync(join(folder, 'expected.ts'), typescript);
      }
      expect(diagnostics).toBe(readOrNull(join(folder, 'expected-diagnostics.txt')));
      expect(typescript).toBe(readOrNull(join(folder, 'expected.ts')));
    });
  }

  it('every expected.ts compiles under the project settings', () => {
    const files = cases.map((name) => join(goldenRoot, name, 'expected.ts')).filter((path) => existsSync(path));
    const configPath = ts.findConfigFile(goldenRoot, (path) => ts.sys.fileExists(path))!;
    const { config } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, join(configPath, '..'));
    // Strict about unused code too: the output must compile in projects that are.
    const program = ts.createProgram(files, {
      ...options,
      noEmit: true,
      noUnusedLocals: true,
      noUnusedParameters: true,
    });
    const problems = ts.getPreEmitDiagnostics(program).map((diagnostic) => {
      const where = diagnostic.file
        ? `${diagnostic.file.fileName}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
        : '';
      return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
    });
    expect(problems).toEqual([]);
    expect(files.length).toBeGreaterThan(3);
  });
});
