import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { relative, resolve } from 'node:path';
import type { ConsoleOutput } from './console-output.js';
import { defaultConfigFileName } from './resolve-config.js';

export interface InitFlags {
  input: string[];
  output: string;
  include: string;
  force?: boolean;
}

/**
 * The package's JSON Schema as `"$schema"` must name it: a path from the config's folder (editors do not resolve
 * package names), found through the package's own exports so it is right wherever the package is installed.
 */
function schemaReference(configDir: string): string {
  const schemaFile = createRequire(import.meta.url).resolve('pg-sproc-gen/config-schema.json');
  const path = relative(configDir, schemaFile).split('\\').join('/');
  return path.startsWith('.') ? path : `./${path}`;
}

/** `init`: writes a starter config file in `cwd`, and refuses to replace one unless `--force` is given. */
export async function initCommand(flags: InitFlags, cwd: string, io: ConsoleOutput): Promise<number> {
  const path = resolve(cwd, defaultConfigFileName);
  const config = {
    $schema: schemaReference(cwd),
    input: flags.input,
    output: flags.output,
    include: flags.include,
  };
  try {
    await writeFile(path, `${JSON.stringify(config, null, 2)}\n`, { flag: flags.force ? 'w' : 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    io.err(`${defaultConfigFileName} already exists; pass --force to replace it`);
    return 1;
  }
  io.out(`wrote ${defaultConfigFileName}: SQL from ${flags.input.join(', ')} → ${flags.output}/`);
  io.out('next: put your SQL there and run `npx pg-sproc-gen generate`');
  return 0;
}
