/**
 * Generator configuration, from `pg-sproc-gen.config.json` (or `--config <file>`) merged with CLI flags.
 * Paths are relative to the config file's folder.
 */
export interface GeneratorConfig {
  /** Input files or globs, read in this order (a migration history: later files override earlier ones). */
  input: string[];
  /** Output folder for the generated TypeScript. */
  output: string;
  /** Which functions to take: a regular expression on the function name (default `^sp_`), or `"*"` for all. */
  include: string;
  /** Text that stands for the tenant schema in the SQL (default `{schema}`). */
  placeholder: string;
  /** How int8/bigint decodes: `number` (range-checked, throws past 2^53-1) or `bigint`. Default `number`. */
  int8: 'number' | 'bigint';
  /** How numeric decodes: `string` (exact, default) or `number` (only when asked). */
  numeric: 'string' | 'number';
  /** Extra or replaced type mappings: PostgreSQL type name → TypeScript type (used for input and output). */
  typeOverrides: Record<string, string>;
  /** Module that exports the TypeScript types named in `@json` annotations, as the generated file imports it. */
  jsonTypesModule: string | null;
  /** Import specifier of the runtime helpers, as the generated file imports it. */
  runtimeImport: string;
  /**
   * Name of a function in the tenant schema that returns the fingerprint the migration runner recorded, or null.
   * The client compares it with the fingerprint of the SQL it was generated from.
   */
  fingerprintFunction: string | null;
}
