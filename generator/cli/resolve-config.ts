import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, resolve } from 'node:path';
import { defaultConfig } from '../config/defaults.js';
import type { z } from 'zod';
import { configFileSchema, expectations, type ConfigFile, type GeneratorConfig } from '../config/schema.js';

export const defaultConfigFileName = 'pg-sproc-gen.config.json';

/** Options the `generate` and `verify` commands accept that override the config file. */
export interface ConfigFlags {
  config?: string;
  input?: string[];
  output?: string;
  include?: string;
  placeholder?: string;
  /** `name=value`, as psql's `-v`; each overrides the same variable of the file. */
  variable?: string[];
  strict?: boolean;
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

/** One line per problem, each naming the setting, what it must be and the value it has. */
function describeIssue(issue: z.core.$ZodIssue, values: Record<string, unknown>, source: string): string {
  if (issue.code === 'unrecognized_keys') {
    const known = Object.keys(configFileSchema.shape).join(', ');
    return issue.keys.map((key) => `${source}: unknown setting '${key}' (known: ${known})`).join('\n');
  }
  const key = String(issue.path[0]);
  if (issue.code === 'custom') return `${source}: '${key}' ${issue.message}`;
  const field = Object.hasOwn(configFileSchema.shape, key)
    ? configFileSchema.shape[key as keyof ConfigFile]
    : undefined;
  const expected = (field && expectations.get(field.unwrap())?.expected) ?? issue.message;
  return `${source}: '${key}' must be ${expected}, got ${JSON.stringify(values[key])}`;
}

function validateFields(values: Record<string, unknown>, source: string): Partial<GeneratorConfig> {
  const result = configFileSchema.safeParse(values);
  if (!result.success) {
    // Several checks can fail for one setting (an `input` of one number is not an array and holds no string).
    const lines = new Set(result.error.issues.map((issue) => describeIssue(issue, values, source)));
    throw new ConfigError([...lines].join('\n'));
  }
  const { $schema: _schema, ...settings } = result.data;
  return settings;
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
  if (flags.strict !== undefined) fields.strict = flags.strict;
  if (flags.variable !== undefined) fields.variables = variableAssignments(flags.variable);
  return fields;
}

function variableAssignments(assignments: string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const assignment of assignments) {
    const equals = assignment.indexOf('=');
    if (equals <= 0) throw new ConfigError(`command line: --variable must be name=value, got ${assignment}`);
    variables[assignment.slice(0, equals)] = assignment.slice(equals + 1);
  }
  return variables;
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
    variables: { ...fromFile.variables, ...fromFlags.variables },
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
