import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { formatDiagnostic } from '../../../generator/cli/format-diagnostic.js';
import { verifyModel } from '../../../generator/verify/verify-model.js';
import { corpusProjects, corpusRoot, runProject } from './corpus-project.js';

const outputRoot = mkdtempSync(join(tmpdir(), 'pg-sproc-corpus-'));
// The generated modules are ES modules, as in the projects that use them.
writeFileSync(join(outputRoot, 'package.json'), '{ "type": "module" }\n');
afterAll(() => rmSync(outputRoot, { recursive: true, force: true }));

/** The repository's compiler settings, stricter about unused code: generated files must compile where they are. */
function strictOptions(): ts.CompilerOptions {
  const configPath = ts.findConfigFile(corpusRoot, (path) => ts.sys.fileExists(path))!;
  const { config } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  const { options } = ts.parseJsonConfigFileContent(config, ts.sys, join(configPath, '..'));
  return { ...options, noEmit: true, noUnusedLocals: true, noUnusedParameters: true };
}

function compile(files: string[]): string[] {
  const program = ts.createProgram(files, strictOptions());
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const where = diagnostic.file
      ? `${diagnostic.file.fileName}:${diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start ?? 0).line + 1}`
      : '';
    return `${where} ${ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n')}`;
  });
}

describe('corpus: small projects shaped like real ones', () => {
  const projects = corpusProjects();

  it('has projects', () => {
    expect(projects.length).toBeGreaterThanOrEqual(4);
  });

  it.each(projects)(
    '%s: every routine is generated or left out with a reason; the output compiles',
    async (project) => {
      const { result, leftOut, sources } = await runProject(project);
      const errors = result.diagnostics.filter((diagnostic) => diagnostic.severity === 'error');
      expect(errors.map((diagnostic) => formatDiagnostic(diagnostic, sources))).toEqual([]);
      expect(result.files).not.toBeNull();
      expect(result.routines.generated).toBeGreaterThan(0);
      const unexplained = leftOut.filter((entry) => entry.reasons.length === 0).map((entry) => entry.procedure.name);
      expect(unexplained).toEqual([]);
      expect(result.routines.included - result.routines.generated).toBe(leftOut.length);

      const written = (result.files ?? []).map((file, index) => {
        const path = join(outputRoot, `${project}-${index}.ts`);
        writeFileSync(path, file.text);
        return path;
      });
      expect(compile(written)).toEqual([]);
    },
  );

  it.each(projects)('%s: the model equals the catalog and PostgreSQL accepts every generated call', async (project) => {
    const { config, sources, result } = await runProject(project);
    const differences = await verifyModel({
      connectionString: inject('databaseUrl'),
      sources,
      model: result.model,
      placeholder: config.placeholder,
      include: config.include,
      variables: config.variables,
      searchPath: config.searchPath,
      config: { ...config, fingerprintFunction: null },
    });
    expect(differences).toEqual([]);
  });
});
