import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomSchemaName } from '../../support/tenant-schema.js';

const execFileAsync = promisify(execFile);
const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
const tsc = join(repositoryRoot, 'node_modules', 'typescript', 'bin', 'tsc');
const require = createRequire(import.meta.url);

/** This repository's installed version of a package: the throw-away project then installs it from npm's cache. */
const installedVersion = (name: string) => (require(`${name}/package.json`) as { version: string }).version;

/**
 * Child commands see none of the `npm_*` variables of the `npm test` that may be running this file: npm reads them
 * as configuration, and the parent's (its prefix above all) would point the child at this repository.
 */
function cleanEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
  return { ...env, ...extra };
}

async function run(command: string, args: string[], cwd: string, env: Record<string, string> = {}) {
  try {
    return await execFileAsync(command, args, { cwd, env: cleanEnvironment(env), maxBuffer: 16 * 1024 * 1024 });
  } catch (error) {
    const { stdout = '', stderr = '' } = error as { stdout?: string; stderr?: string };
    throw new Error(`${command} ${args.join(' ')} failed in ${cwd}:\n${stdout}\n${stderr}`, { cause: error });
  }
}

let project: string;

beforeAll(async () => {
  project = await mkdtemp(join(tmpdir(), 'pg-sproc-gen-consumer-'));
  await cp(join(import.meta.dirname, 'consumer'), project, { recursive: true });
  // `npm pack` builds the package (its prepack script) and packs exactly the files a registry install would get.
  await run('npm', ['pack', '--pack-destination', project], join(repositoryRoot, 'generator'));
  const tarball = (await readdir(project)).find((name) => name.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack left no tarball in ${project}`);
  const packages = [
    `./${tarball}`,
    ...['pg', '@types/pg', '@types/node'].map((name) => `${name}@${installedVersion(name)}`),
  ];
  await run('npm', ['install', ...packages, '--prefer-offline', '--no-audit', '--no-fund'], project);
}, 300_000);

afterAll(async () => {
  await rm(project, { recursive: true, force: true });
});

describe('pg-sproc-gen installed from its tarball into another project', () => {
  it('init writes a starter config whose "$schema" is the installed package\'s JSON Schema', async () => {
    const { stdout } = await run('npx', ['--no', 'pg-sproc-gen', 'init'], project);
    expect(stdout).toMatch(/^wrote pg-sproc-gen\.config\.json/);
    const config = JSON.parse(await readFile(join(project, 'pg-sproc-gen.config.json'), 'utf8')) as {
      $schema: string;
    };
    expect(config).toEqual({
      $schema: './node_modules/pg-sproc-gen/config/pg-sproc-gen.schema.json',
      input: ['sql/**/*.sql'],
      output: 'src/db',
      include: '*',
    });
    const schema = JSON.parse(await readFile(join(project, config.$schema), 'utf8')) as { properties: object };
    expect(Object.keys(schema.properties)).toContain('runtimeImport');

    const again = run('npx', ['--no', 'pg-sproc-gen', 'init'], project);
    await expect(again).rejects.toThrow(/pg-sproc-gen\.config\.json already exists; pass --force/);
  });

  it('generate, run by the bin the package declares, writes a client that imports the runtime by name', async () => {
    const { stdout, stderr } = await run('npx', ['--no', 'pg-sproc-gen', 'generate'], project);
    expect(stderr).toBe('');
    expect(stdout).toMatch(/^3 of 3 routines generated, 0 left out → src\/db\/ \(1 written/);
    const client = await readFile(join(project, 'src', 'db', 'procedures.ts'), 'utf8');
    expect(client).toContain("} from 'pg-sproc-gen/runtime';");
  }, 120_000);

  it("the client and the code using it compile under strict settings, against the package's declarations", async () => {
    // tsconfig.json: strict, exactOptionalPropertyTypes, noUnused*, noUncheckedIndexedAccess, skipLibCheck off.
    await run(process.execPath, [tsc, '-p', project], project);
  }, 180_000);

  it('calls the routines on a real server', async () => {
    const schema = randomSchemaName('consumer');
    const { stdout } = await run(process.execPath, [join(project, 'dist', 'main.js')], project, {
      DATABASE_URL: inject('databaseUrl'),
      CONSUMER_SCHEMA: schema,
    });
    expect(JSON.parse(stdout)).toEqual({
      sum: 42,
      first: 1,
      refused: 'OR001',
      orders: [{ id: 1, customer: 'ada', total: '12.50', placedAtIsDate: true }],
    });
  });
});
