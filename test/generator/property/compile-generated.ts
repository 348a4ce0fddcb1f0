import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';

const repositoryRoot = resolve(import.meta.dirname, '..', '..', '..');

function projectOptions(): ts.CompilerOptions {
  const configPath = join(repositoryRoot, 'tsconfig.json');
  const { config, error } = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(config, ts.sys, dirname(configPath)).options;
}

/**
 * Type-checks generated TypeScript held in memory with the project's compiler options, resolving its imports (the
 * runtime) from disk. Library and runtime source files are parsed once and reused across calls, which keeps a
 * property run of many small programs fast.
 */
export class GeneratedCodeChecker {
  readonly #options = { ...projectOptions(), noEmit: true };
  readonly #cache = new Map<string, ts.SourceFile>();

  /** Formatted diagnostics for the given files (absolute paths → text); empty when they compile. */
  check(files: ReadonlyMap<string, string>): string[] {
    const host = ts.createCompilerHost(this.#options);
    const baseGetSourceFile = host.getSourceFile.bind(host);
    host.fileExists = (path) => files.has(path) || ts.sys.fileExists(path);
    host.readFile = (path) => files.get(path) ?? ts.sys.readFile(path);
    host.getSourceFile = (path, languageVersion, onError) => {
      const text = files.get(path);
      if (text !== undefined) return ts.createSourceFile(path, text, languageVersion, true);
      const cached = this.#cache.get(path);
      if (cached) return cached;
      const sourceFile = baseGetSourceFile(path, languageVersion, onError);
      if (sourceFile) this.#cache.set(path, sourceFile);
      return sourceFile;
    };
    const program = ts.createProgram({ rootNames: [...files.keys()], options: this.#options, host });
    const diagnostics = ts.getPreEmitDiagnostics(program);
    return diagnostics.map((diagnostic) => {
      const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
      if (!diagnostic.file || diagnostic.start === undefined) return message;
      const { line, character } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
      return `${diagnostic.file.fileName}:${line + 1}:${character + 1}: ${message}`;
    });
  }
}
