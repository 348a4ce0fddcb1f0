/** `npm run config-schema`: rewrites `pg-sproc-gen.schema.json` from the config's zod declaration. */
import { writeFile } from 'node:fs/promises';
import { configJsonSchemaPath, configJsonSchemaText } from './json-schema.js';

await writeFile(configJsonSchemaPath, await configJsonSchemaText());
console.log(`wrote ${configJsonSchemaPath}`);
