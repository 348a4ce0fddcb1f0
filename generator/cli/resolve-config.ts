import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { defaultConfig } from '../config/defaults.js';
import type { GeneratorConfig } from '../config/types.js';

export const defaultConfigFileName = 'pg-sproc-gen.config.json';

/** Options the `generate` and `verify` commands accept that override the config file. */
export interface ConfigFlags {
  config?: string;
  input?: string[];
  output?: string;
  include?: string;
  placeholder?: string;
  int8?: string;
}

/** A configuration with the folders its relative paths are resolved against. */
export interface ResolvedConfig {
  config: GeneratorConfig;
  /** Folder the `input` patterns are relative to: the config file's folder, or the working folder for `--input`. */
  inputBase: string;
  /** Absolute output folder. */
  outputDir: string;
  /** The config file that was read, or null when there was none. */
  configFile: string | null;
}

/** Thrown for a bad config file or flag; the CLI prints the message and exits 1. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}


type Check = (value: unknown) => boolean;
const isString: Check = (value) => typeof value === 'string';
const isStringOrNull: Check = (value) => value === null || typeof value === 'string';
const fieldChecks: Record<keyof GeneratorConfig, { check: Check; expected: string }> = {
  input: {
    check: (value) => Array.isArray(value) && value.length > 0 && value.every(isString),
    expected: 'a non-empty array of file names or globs',
  },
  output: { check: isString, expected: 'a folder name' },
  include: { check: isString, expected: 'a regular expression or "*"' },
  placeholder: { check: (value) => isString(value) && value !== '', expected: 'a non-empty string' },
  int8: { check: (value) => value === 'number' || value === 'bigint', expected: '"number" or "bigint"' },
  numeric: { check: (value) => value === 'string' || value === 'number', expected: '"string" or "number"' },
  typeOverrides: {
    check: (value) =>
      typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isString),
    expected: 'an object mapping PostgreSQL type names to TypeScript types',
  },
  jsonTypesModule: { check: isStringOrNull, expected: 'a module specifier or null' },
  runtimeImport: { check: isString, expected: 'a module specifier' },
  fingerprintFunction: { check: isStringOrNull, expected: 'a function name or null' },
};

function validateFields(values: Record<string, unknown>, source: string): Partial<GeneratorConfig> {
  for (const [key, value] of Object.entries(values)) {
    if (!(key in fieldChecks)) {
      throw new ConfigError(`${source}: unknown setting '${key}' (known: ${Object.keys(fieldChecks).join(', ')})`);
    }
    const { check, expected } = fieldChecks[key as keyof GeneratorConfig];
    if (!check(value)) throw new ConfigError(`${source}: '${key}' must be ${expected}, got ${JSON.stringify(value)}`);
  }
  if (typeof values.include === 'string') validateInclude(values.include, source);
  return values as Partial<GeneratorConfig>;
}

function validateInclude(include: string, source: string): void {
  if (include === '*') return;
  try {
    new RegExp(include);
  } catch (error) {
    throw new ConfigError(`${source}: 'include' is not a valid regular expression: ${(error as Error).message}`);
  }
}

async function readConfigFile(path: string, required: boolean): Promise<Record<string, unknown> | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT' && !required) return null;
    throw new ConfigError(`cannot read config file ${path}: ${(error as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`config file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`config file ${path} must hold a JSON object`);
  }
  return parsed as Record<string, unknown>;
}

/** Flags set on the command line, as config fields (unset flags are left out so they do not override). */
function flagFields(flags: ConfigFlags): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  if (flags.input !== undefined) fields.input = flags.input;
  if (flags.output !== undefined) fields.output = flags.output;
  if (flags.include !== undefined) fields.include = flags.include;
  if (flags.placeholder !== undefined) fields.placeholder = flags.placeholder;
  if (flags.int8 !== undefined) fields.int8 = flags.int8;
  return fields;
}

/**
 * Merges defaults, the config file (`--config`, else `pg-sproc-gen.config.json` in `cwd` when present) and flags,
 * in that order of precedence from lowest to highest.
 */
export async function resolveConfig(flags: ConfigFlags, cwd: string): Promise<ResolvedConfig> {
  const configFile = resolve(cwd, flags.config ?? defaultConfigFileName);
  const fileValues = await readConfigFile(configFile, flags.config !== undefined);
  const fromFile = fileValues ? validateFields(fileValues, configFile) : {};
  const fromFlags = validateFields(flagFields(flags), 'command line');
  const configDir = fileValues ? dirname(configFile) : cwd;

  const input = fromFlags.input ?? fromFile.input;
  if (!input) {
    throw new ConfigError(`no input files: pass --input <globs...> or set "input" in ${defaultConfigFileName}`);
  }
  const output = fromFlags.output ?? fromFile.output;
  if (output === undefined) {
    throw new ConfigError(`no output folder: pass --output <dir> or set "output" in ${defaultConfigFileName}`);
  }
  const outputDir = fromFlags.output !== undefined ? resolve(cwd, output) : resolve(configDir, output);

  const config: GeneratorConfig = {
    ...defaultConfig(outputDir),
    ...fromFile,
    ...fromFlags,
    input,
    output,
  };
  return {
    config,
    inputBase: fromFlags.input !== undefined ? cwd : configDir,
    outputDir: isAbsolute(outputDir) ? outputDir : resolve(outputDir),
    configFile: fileValues ? configFile : null,
  };
}
