import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { generatedHeader } from '../emit/generated-header.js';

/** A file the generator produced, with its path relative to the output folder. */
export interface GeneratedFile {
  path: string;
  text: string;
}

/** What writing the output would change on disk. Paths are absolute. */
export interface OutputPlan {
  /** `exists`: whether a different version is on disk (else the file is missing). */
  write: (GeneratedFile & { exists: boolean })[];
  remove: string[];
  unchanged: string[];
}

const headerFirstLine = generatedHeader('').split('\n')[0]!;

/**
 * Files in the output folder that carry the generator's do-not-edit header are ours: they are replaced or removed
 * freely. Anything else there belongs to someone else and is never touched.
 */
export function isGeneratedText(text: string): boolean {
  return text.startsWith(headerFirstLine);
}

async function listFiles(directory: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(directory, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

async function readIfExists(path: string): Promise<string | null> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
}

/** Compares the generated files with the output folder; nothing is written. */
export async function planOutput(files: readonly GeneratedFile[], outputDir: string): Promise<OutputPlan> {
  const plan: OutputPlan = { write: [], remove: [], unchanged: [] };
  const produced = new Set<string>();
  for (const file of files) {
    const path = isAbsolute(file.path) ? file.path : resolve(outputDir, file.path);
    if (relative(outputDir, path).startsWith('..')) {
      throw new Error(`generated file ${file.path} would lie outside the output folder ${outputDir}`);
    }
    produced.add(path);
    const current = await readIfExists(path);
    if (current === file.text) plan.unchanged.push(path);
    else plan.write.push({ path, text: file.text, exists: current !== null });
  }
  for (const path of await listFiles(outputDir)) {
    if (produced.has(path)) continue;
    const text = await readIfExists(path);
    if (text !== null && isGeneratedText(text)) plan.remove.push(path);
  }
  return plan;
}

export function isUpToDate(plan: OutputPlan): boolean {
  return plan.write.length === 0 && plan.remove.length === 0;
}

export async function applyPlan(plan: OutputPlan): Promise<void> {
  for (const file of plan.write) {
    await mkdir(dirname(file.path), { recursive: true });
    // Write then rename, so a watching compiler never reads half a file.
    const temporary = `${file.path}.${process.pid}.tmp`;
    await writeFile(temporary, file.text);
    await rename(temporary, file.path);
  }
  for (const path of plan.remove) await rm(path, { force: true });
}
