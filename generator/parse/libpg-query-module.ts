/**
 * libpg-query compiles PostgreSQL's parser to WebAssembly; its synchronous entry points only work once the module is
 * instantiated. Loading it here, once, at import time keeps the rest of the parse stage synchronous.
 */
import { loadModule, parsePlPgSQLSync, parseSync, scanSync } from 'libpg-query';

await loadModule();

export { parsePlPgSQLSync, parseSync, scanSync };
