import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { copyFixture, startCli, waitFor } from './support/run-cli.js';

let fixture: { dir: string; remove: () => Promise<void> };

beforeEach(async () => {
  fixture = await copyFixture('basic');
});
afterEach(async () => {
  await fixture.remove();
});

async function outputText(dir: string): Promise<string | undefined> {
  try {
    // Only finished files: the generator writes `<name>.<pid>.tmp` and renames it, and a read between the two would
    // see the old and the new client at once.
    const names = (await readdir(dir)).filter((name) => name.endsWith('.ts')).sort();
    if (names.length === 0) return undefined;
    return (await Promise.all(names.map((name) => readFile(join(dir, name), 'utf8')))).join('\n');
  } catch {
    return undefined;
  }
}

describe('pg-sproc-gen generate --watch', () => {
  it('regenerates after a change, reports an error and keeps watching, and regenerates once it is fixed', async () => {
    const child = startCli(['generate', '--watch', '--strict'], fixture.dir);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    const out = join(fixture.dir, 'out');
    try {
      await waitFor(async () => ((await outputText(out))?.includes('sp_touch') ? true : undefined), 'first generation');

      const added = join(fixture.dir, 'sql', '0003_added.sql');
      await writeFile(
        added,
        'CREATE FUNCTION {schema}.sp_watch_added(p_x text) RETURNS text LANGUAGE sql AS $$ SELECT p_x $$;\n',
      );
      await waitFor(
        async () => ((await outputText(out))?.includes('sp_watch_added') ? true : undefined),
        'regeneration',
      );

      await writeFile(added, 'CREATE FUNCTION {schema}.sp_watch_added(p_x text RETURNS;\n');
      await waitFor(async () => (/0003_added\.sql:\d+:\d+: error\[/.test(stderr) ? true : undefined), 'the diagnostic');
      expect(child.exitCode).toBeNull();

      await writeFile(
        added,
        'CREATE FUNCTION {schema}.sp_watch_fixed(p_x text) RETURNS text LANGUAGE sql AS $$ SELECT p_x $$;\n',
      );
      const text = await waitFor(async () => {
        const current = await outputText(out);
        return current?.includes('sp_watch_fixed') ? current : undefined;
      }, 'regeneration after the fix');
      expect(text).not.toContain('sp_watch_added');
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  });
});
