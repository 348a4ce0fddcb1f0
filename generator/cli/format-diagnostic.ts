import { formatLocation } from '../model/source-location.js';
import type { Diagnostic, SourceFile } from '../model/types.js';

const linesBefore = 2;
const linesAfter = 1;

/**
 * A few source lines around the location with a caret under the column. Tabs before the column are kept in the
 * caret line so the caret lines up in any terminal.
 */
export function codeFrame(text: string, line: number, column: number): string {
  const lines = text.split(/\r?\n/);
  if (line < 1 || line > lines.length) return '';
  const first = Math.max(1, line - linesBefore);
  const last = Math.min(lines.length, line + linesAfter);
  const gutterWidth = String(last).length;
  const frame: string[] = [];
  for (let number = first; number <= last; number++) {
    const content = lines[number - 1]!;
    const marker = number === line ? '>' : ' ';
    frame.push(`${marker} ${String(number).padStart(gutterWidth)} | ${content}`.trimEnd());
    if (number === line) {
      const indent = content.slice(0, Math.max(0, column - 1)).replace(/[^\t]/g, ' ');
      frame.push(`  ${' '.repeat(gutterWidth)} | ${indent}^`);
    }
  }
  return frame.join('\n');
}

/** `file:line:col: error[code]: message`, then a code frame when the file's text is known. */
export function formatDiagnostic(diagnostic: Diagnostic, sources: readonly SourceFile[]): string {
  const { file, line, column } = diagnostic.location;
  const header = `${formatLocation(diagnostic.location)}: ${diagnostic.severity}[${diagnostic.code}]: ${diagnostic.message}`;
  const source = sources.find((candidate) => candidate.path === file);
  const frame = source ? codeFrame(source.text, line, column) : '';
  return frame ? `${header}\n${frame}` : header;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((diagnostic) => diagnostic.severity === 'error');
}
