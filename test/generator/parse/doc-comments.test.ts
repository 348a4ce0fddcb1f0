import { describe, expect, it } from 'vitest';
import { onlyProcedure, parseSql } from './helpers.js';

const fn = (name = 'f'): string => `CREATE FUNCTION ${name}() RETURNS int LANGUAGE sql AS 'select 1';`;

describe('doc comments', () => {
  it('takes the -- lines directly above and splits off annotations', () => {
    const procedure = onlyProcedure(`-- Returns one.
--   Indented detail.
-- @not-null result
--  @json payload  import('./types.js').Payload
-- @single-row
${fn()}`);
    expect(procedure.doc).toBe('Returns one.\n  Indented detail.');
    expect(procedure.annotations).toEqual([
      { tag: 'not-null', args: 'result', location: { file: '1.sql', line: 3, column: 4 } },
      { tag: 'json', args: "payload  import('./types.js').Payload", location: { file: '1.sql', line: 4, column: 5 } },
      { tag: 'single-row', args: '', location: { file: '1.sql', line: 5, column: 4 } },
    ]);
  });

  it('stops at a blank line', () => {
    const procedure = onlyProcedure(`-- File header, not documentation.

-- The doc.
${fn()}`);
    expect(procedure.doc).toBe('The doc.');
  });

  it('is null without a comment directly above', () => {
    expect(onlyProcedure(`-- Far away.\n\n${fn()}`).doc).toBeNull();
    expect(onlyProcedure(`-- Far away.\n\n${fn()}`).annotations).toEqual([]);
  });

  it('ignores a comment that trails the previous statement', () => {
    const { model } = parseSql(`SELECT 1; -- about the select\n${fn()}`);
    expect(model.procedures[0]!.doc).toBeNull();
  });

  it('reads block comments with or without a gutter', () => {
    const procedure = onlyProcedure(`/**
 * Block doc.
 * @single-row
 */
${fn()}`);
    expect(procedure.doc).toBe('Block doc.');
    expect(procedure.annotations).toEqual([
      { tag: 'single-row', args: '', location: { file: '1.sql', line: 3, column: 4 } },
    ]);
    expect(onlyProcedure(`/* Plain block. */\n${fn()}`).doc).toBe('Plain block.');
  });

  it('appends COMMENT ON FUNCTION text and its annotations', () => {
    const { model, diagnostics } = parseSql(`-- Above.
${fn()}
COMMENT ON FUNCTION f() IS 'From COMMENT ON.
@not-null';`);
    expect(diagnostics).toEqual([]);
    expect(model.procedures[0]!.doc).toBe('Above.\n\nFrom COMMENT ON.');
    expect(model.procedures[0]!.annotations).toEqual([
      { tag: 'not-null', args: '', location: { file: '1.sql', line: 4, column: 1 } },
    ]);
  });

  it('points COMMENT ON annotations at the literal when it has escapes', () => {
    const { model } = parseSql(`${fn()}\nCOMMENT ON FUNCTION f IS E'It''s\\n@single-row';`);
    expect(model.procedures[0]!.doc).toBe("It's");
    expect(model.procedures[0]!.annotations).toEqual([
      { tag: 'single-row', args: '', location: { file: '1.sql', line: 2, column: 26 } },
    ]);
  });

  it('keeps COMMENT ON across CREATE OR REPLACE and drops it with the function', () => {
    const replaced = parseSql([
      `${fn()}\nCOMMENT ON FUNCTION f() IS 'Kept.';`,
      `CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'select 2';`,
    ]);
    expect(replaced.model.procedures[0]!.doc).toBe('Kept.');
    const recreated = parseSql([`${fn()}\nCOMMENT ON FUNCTION f() IS 'Gone.';`, `DROP FUNCTION f();\n${fn()}`]);
    expect(recreated.model.procedures[0]!.doc).toBeNull();
  });

  it('removes the COMMENT ON text with IS NULL', () => {
    const { model } = parseSql(`${fn()}\nCOMMENT ON FUNCTION f() IS 'x';\nCOMMENT ON FUNCTION f() IS NULL;`);
    expect(model.procedures[0]!.doc).toBeNull();
  });

  it('reports COMMENT ON a function that does not exist', () => {
    const { diagnostics } = parseSql(`COMMENT ON FUNCTION missing(int) IS 'x';`);
    expect(diagnostics).toEqual([
      {
        severity: 'error',
        code: 'undefined-function',
        message: 'function missing(int4) does not exist',
        location: { file: '1.sql', line: 1, column: 1 },
      },
    ]);
  });
});
