import { z } from 'zod';

/**
 * The generator's configuration, declared once: the TypeScript type, the validation of `pg-sproc-gen.config.json`
 * and of the flags, and the committed JSON Schema editors complete the file from (`pg-sproc-gen.schema.json`) all
 * come from here. The descriptions are what editors show.
 */

/** What each setting must be, as the error message for a wrong value says it: `'int8' must be <expected>`. */
export const expectations = z.registry<{ expected: string }>();

function setting<T extends z.ZodType>(schema: T, expected: string, description: string): T {
  const described = schema.meta({ description });
  expectations.add(described, { expected });
  return described;
}

function validRegExp(text: string): string | null {
  try {
    new RegExp(text);
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export const generatorConfigSchema = z.strictObject({
  input: setting(
    z.array(z.string()).min(1),
    'a non-empty array of file names or globs',
    'Input files or globs, read in this order (a migration history: later files override earlier ones). ' +
      "Relative to this file's folder.",
  ),
  output: setting(
    z.string(),
    'a folder name',
    "Output folder for the generated TypeScript, relative to this file's folder.",
  ),
  include: setting(
    z.string().superRefine((text, context) => {
      const problem = text === '*' ? null : validRegExp(text);
      if (problem !== null)
        context.addIssue({ code: 'custom', message: `is not a valid regular expression: ${problem}` });
    }),
    'a regular expression or "*"',
    'Which functions to take: a regular expression on the function name, or "*" for all. Default "^sp_".',
  ),
  placeholder: setting(
    z.string().min(1),
    'a non-empty string',
    'Text that stands for the tenant schema in the SQL. Default "{schema}".',
  ),
  variables: setting(
    z.record(
      z.string().regex(/^[A-Za-z0-9_\u0080-\uffff]+$/, 'a psql variable name (letters, digits, underscores)'),
      z.string(),
    ),
    'an object mapping psql variable names to their values',
    'Values of the psql variables the SQL uses (`:name`, `:\'name\'`, `:"name"`), as `psql -v name=value` would set ' +
      'them; `\\set` in a file sets them for the rest of that file. A value equal to the placeholder stands for the ' +
      'schema chosen at run time; so does a variable without a value (with a warning). Default {}.',
  ),
  searchPath: setting(
    z.array(z.string().min(1)),
    'an array of schema names',
    'The search_path in effect when the files are applied, before any SET search_path in them: schema names as ' +
      'PostgreSQL stores them, "$user", or the placeholder. Unqualified names resolve through it, and unqualified ' +
      'CREATEs land in its first existing schema. Default ["$user", "public"], PostgreSQL\'s default.',
  ),
  strict: setting(
    z.boolean(),
    'true or false',
    'Whether a routine the generator must leave out (its type or form cannot be generated, its definition cannot be ' +
      'read) is an error that fails the run and writes nothing. Otherwise it is a warning and the rest is written. ' +
      'Default false.',
  ),
  int8: setting(
    z.enum(['number', 'bigint']),
    '"number" or "bigint"',
    'How int8/bigint decodes: "number" (range-checked, throws past 2^53-1) or "bigint". Default "number".',
  ),
  numeric: setting(
    z.enum(['string', 'number']),
    '"string" or "number"',
    'How numeric decodes: "string" (exact) or "number" (only when asked). Default "string".',
  ),
  schemaNaming: setting(
    z.enum(['nested', 'prefixed']),
    '"nested" or "prefixed"',
    'Where the methods of routines in named schemas go when the routines span several schemas: "nested", a ' +
      'client per schema (db.app.getUser), or "prefixed" (db.appGetUser). The tenant schema\'s routines stay on ' +
      'the client itself. Default "nested".',
  ),
  typeOverrides: setting(
    z
      .record(
        z.string(),
        z.union([
          z.string(),
          z.strictObject({
            type: z.string().meta({ description: 'The TypeScript type of arguments and results.' }),
            module: z
              .string()
              .optional()
              .meta({
                description:
                  'Module exporting the decoder, the encoder and the types named in `type`, as the generated file ' +
                  'imports it.',
              }),
            decode: z
              .string()
              .optional()
              .meta({
                description:
                  'Export of `module`: `(value: unknown, procedure: string, field: string) => T`, given the ' +
                  "value's text as PostgreSQL prints it; throws on a value it does not accept.",
              }),
            encode: z
              .string()
              .optional()
              .meta({
                description:
                  'Export of `module`: `(value: T, procedure: string, field: string) => string | Uint8Array`, ' +
                  "the argument in PostgreSQL's input syntax.",
              }),
          }),
        ]),
      )
      .superRefine((overrides, context) => {
        for (const [name, override] of Object.entries(overrides)) {
          if (typeof override === 'string' || override.module !== undefined) continue;
          if (override.decode || override.encode) {
            context.addIssue({ code: 'custom', message: `["${name}"] names a decode or encode export but no module` });
          }
        }
      }),
    'an object mapping PostgreSQL type names to TypeScript types or to {type, module, decode, encode}',
    'Extra or replaced type mappings, by PostgreSQL type name (`geometry` or `schema.geometry`): a TypeScript ' +
      'type, passed through as the driver gives it; or {type, module, decode, encode}: values as text through a ' +
      'decoder and an encoder the project exports. Default {}.',
  ),
  jsonTypesModule: setting(
    z.string().nullable(),
    'a module specifier or null',
    'Module that exports the TypeScript types named in @json annotations, as the generated file imports it. ' +
      'Default null.',
  ),
  runtimeImport: setting(
    z.string(),
    'a module specifier',
    'Import specifier of the runtime helpers, as the generated file imports it. Default "pg-sproc-gen/runtime", ' +
      'the runtime shipped with the generator.',
  ),
  fingerprintFunction: setting(
    z.string().nullable(),
    'a function name or null',
    'Name of a function in the tenant schema that returns the fingerprint the migration runner recorded, or null. ' +
      'The client compares it with the fingerprint of the SQL it was generated from. Default null.',
  ),
});

/** A complete configuration: the file and the flags merged over the defaults. */
export type GeneratorConfig = z.infer<typeof generatorConfigSchema>;

/** `pg-sproc-gen.config.json` and the flags: any subset of the settings; the file may name its JSON Schema. */
export const configFileSchema = generatorConfigSchema
  .extend({
    $schema: setting(
      z.string(),
      'a string',
      'The JSON Schema of this file, for editors: generator/config/pg-sproc-gen.schema.json.',
    ),
  })
  .partial()
  .meta({
    title: 'pg-sproc-gen configuration',
    description: 'Configuration of pg-sproc-gen. Command-line flags override it; unset settings take their defaults.',
  });

export type ConfigFile = z.infer<typeof configFileSchema>;
