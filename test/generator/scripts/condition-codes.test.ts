import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  conditionCodesFile,
  installedErrcodesPath,
  parseErrcodes,
  postgresVersionOf,
  renderConditionCodes,
  repositoryRoot,
} from '../../../generator/scripts/condition-codes.js';

describe('condition codes', () => {
  it('the committed module is what the script makes from the installed server’s errcodes.txt', async () => {
    const errcodes = installedErrcodesPath();
    const version = postgresVersionOf(errcodes);
    expect(version).toMatch(/^\d+\.\d+/);
    const expected = renderConditionCodes(parseErrcodes(await readFile(errcodes, 'utf8')), version!);
    const committed = await readFile(join(repositoryRoot, conditionCodesFile), 'utf8');
    // On a difference: npm run generate:condition-codes
    expect(committed).toBe(expected);
  });

  it('takes error lines with a condition name, the first code of a repeated name, and nothing else', () => {
    const text = [
      '# comment',
      '',
      'Section: Class 01 - Warning',
      '01004    W    ERRCODE_WARNING_STRING_DATA_RIGHT_TRUNCATION                   string_data_right_truncation',
      'Section: Class 22 - Data Exception',
      '22001    E    ERRCODE_STRING_DATA_RIGHT_TRUNCATION                           string_data_right_truncation',
      '2202E    E    ERRCODE_ARRAY_ELEMENT_ERROR',
      '2F002    E    ERRCODE_S_R_E_MODIFYING_SQL_DATA_NOT_PERMITTED                 modifying_sql_data_not_permitted',
      '38002    E    ERRCODE_E_R_E_MODIFYING_SQL_DATA_NOT_PERMITTED                 modifying_sql_data_not_permitted',
    ].join('\n');
    expect(parseErrcodes(text)).toEqual([
      ['string_data_right_truncation', '22001'],
      ['modifying_sql_data_not_permitted', '2F002'],
    ]);
  });

  it('refuses a line it cannot read rather than dropping it', () => {
    expect(() => parseErrcodes('2200 E ERRCODE_X x')).toThrow(
      'errcodes.txt: cannot read the line "2200 E ERRCODE_X x"',
    );
  });
});
