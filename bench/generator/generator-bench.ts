/**
 * `npm run bench:generator`: generation time and wrapper overhead, printed as figures. No assertions: speed is
 * measured here, behaviour in the tests.
 */
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { connectionFromEnvironment } from '../../test/support/embedded-postgres.js';
import { benchGeneration, printGeneration } from './generation-bench.js';
import { benchWrapper, printWrapper } from './wrapper-bench.js';

const repositoryRoot = resolve(import.meta.dirname, '..', '..');

console.log(`Node ${process.version}, ${cpus()[0]?.model ?? 'unknown CPU'} × ${cpus().length}\n`);
printGeneration(await benchGeneration(repositoryRoot));
console.log();

const server = await connectionFromEnvironment();
try {
  printWrapper(await benchWrapper(server.connectionString));
} finally {
  await server.stop();
}
