import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256Hex } from 'pg-sproc-gen/schema-sources';

/** The project's own migrations: `procedures/NNNN_name.sql`. */
export const PROCEDURES_DIR = fileURLToPath(new URL('../../procedures/', import.meta.url));

export interface MigrationFile {
  /** Numeric prefix of the file name: `0002_create_stored_procedures.sql` → 2. */
  version: number;
  /** File name without folder. */
  name: string;
  /** sha256 (hex) of the file's bytes. */
  checksum: string;
  sql: string;
}

/** Reads `NNNN_*.sql` files in version order; two files with one version are an error. */
export async function readMigrationFiles(dir: string = PROCEDURES_DIR): Promise<MigrationFile[]> {
  const names = (await readdir(dir)).filter((name) => /^\d+_.+\.sql$/.test(name));
  const files = await Promise.all(
    names.map(async (name): Promise<MigrationFile> => {
      const bytes = await readFile(join(dir, name));
      return {
        version: Number.parseInt(name, 10),
        name: basename(name),
        checksum: sha256Hex(bytes),
        sql: bytes.toString('utf8'),
      };
    }),
  );
  files.sort((a, b) => a.version - b.version);
  for (let i = 1; i < files.length; i++) {
    if (files[i]!.version === files[i - 1]!.version) {
      throw new Error(
        `Two migration files share version ${files[i]!.version}: ${files[i - 1]!.name}, ${files[i]!.name}`,
      );
    }
  }
  return files;
}
