import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { runProgram } from '../../../../generator/cli/run-program.js';

export const repositoryRoot = join(import.meta.dirname, '..', '..', '..', '..');
export const binPath = join(repositoryRoot, 'generator', 'cli', 'bin.ts');
/** tsx's loader, by absolute URL: the CLI runs in fixture folders that have no node_modules of their own. */
const tsxLoader = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real `pg-sproc-gen` entry as a child process, from source through tsx so that tests need no build (the
 * compiled bin is tested by test/generator/package/), and collects its output.
 */
export function startCli(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', tsxLoader, binPath, ...args], { cwd, env: { ...process.env, ...env } });
}

export async function runCli(args: string[], cwd: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runProcess(startCli(args, cwd, env));
}

/**
 * Runs a command line through the same `runProgram` as the bin, in this process: what the CLI prints and its exit
 * code, without the child's start-up (Node, tsx and the generator loaded again). Each command also has a test that
 * spawns the real bin.
 */
export async function runCliInProcess(args: string[], cwd: string): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  const { code } = await runProgram(args, cwd, {
    out: (text) => (stdout += `${text}\n`),
    err: (text) => (stderr += `${text}\n`),
  });
  return { code, stdout, stderr };
}

export function runProcess(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A private copy of a fixture folder, so tests can change files freely and run in parallel. */
export async function copyFixture(name: string): Promise<{ dir: string; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), `cli-${name}-`));
  await cp(join(import.meta.dirname, '..', 'fixtures', name), dir, { recursive: true });
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

/** Polls until `check` returns a value (not undefined) or the deadline passes; the deadline is generous on purpose. */
export async function waitFor<T>(check: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
