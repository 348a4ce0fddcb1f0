import { describe, expect, it } from 'vitest';
import { formatDiagnostic } from '../../../generator/cli/format-diagnostic.js';
import type { Diagnostic } from '../../../generator/model/types.js';

const text = ['-- header', 'CREATE FUNCTION {schema}.sp_x(', '\tp_a widget', ') RETURNS void', 'AS $$ $$;'].join('\n');
const diagnostic: Diagnostic = {
  severity: 'error',
  code: 'unknown-type',
  message: 'unknown type widget',
  location: { file: 'procedures/0001_x.sql', line: 3, column: 6 },
};

describe('formatDiagnostic', () => {
  it('prints file:line:col, severity and code, then the lines around it with a caret under the column', () => {
    expect(formatDiagnostic(diagnostic, [{ path: 'procedures/0001_x.sql', text }])).toBe(
      [
        'procedures/0001_x.sql:3:6: error[unknown-type]: unknown type widget',
        '  1 | -- header',
        '  2 | CREATE FUNCTION {schema}.sp_x(',
        '> 3 | \tp_a widget',
        '    | \t    ^',
        '  4 | ) RETURNS void',
      ].join('\n'),
    );
  });

  it('prints only the header when the file is unknown', () => {
    expect(formatDiagnostic({ ...diagnostic, severity: 'warning' }, [])).toBe(
      'procedures/0001_x.sql:3:6: warning[unknown-type]: unknown type widget',
    );
  });
});
