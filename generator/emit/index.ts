import prettier from 'prettier';
import { Project, StructureKind, type StatementStructures } from 'ts-morph';
import type { AnalyzedProgram, TypedValue } from '../analyze/program.js';
import { clientFunction, usesClientSchema } from './client.js';
import { CodecRegistry } from './codecs.js';
import { generatedHeader } from './generated-header.js';
import { compositeStatements, constant, enumStatements, procedureStatements } from './declarations.js';
import { sqlStateGuardStatements } from './sqlstate-guard.js';
import { stringLiteral } from './template-literal.js';

export interface EmitOptions {
  /** The fingerprint of the source SQL (`fingerprintSources`), written into the header and the client. */
  fingerprint: string;
  /** Name of the generated module in the output folder; default `procedures.ts`. */
  fileName?: string;
}

/** Runtime names the module uses only as types, imported with `type` so it works under verbatimModuleSyntax. */
const runtimeTypes = new Set([
  'Queryable',
  'CallSpec',
  'FingerprintCheck',
  'RaisedSqlStates',
  'ProcedureError',
  'Range',
  'RangeInput',
  'Point',
  'Line',
  'LineSegment',
  'Box',
  'Path',
  'Polygon',
  'Circle',
  'PgType',
  'ColumnsRow',
]);

/**
 * Registers the types the printed TypeScript types name, from the runtime (`Range`, `Point`, ...) and from
 * `typeOverrides` modules: only those a printed type text contains, so a module compiled with noUnusedLocals imports
 * nothing it does not use.
 */
function registerTypeImports(program: AnalyzedProgram, codecs: CodecRegistry): void {
  const printed: string[] = [];
  const candidates = new Map<string, string | null>();
  const note = (type: TypedValue, ...texts: string[]) => {
    for (const name of type.runtimeTypes ?? []) candidates.set(name, null);
    for (const name of type.moduleTypes?.names ?? []) candidates.set(name, type.moduleTypes!.module);
    printed.push(...texts);
  };
  for (const procedure of program.procedures) {
    for (const param of procedure.params) if (param.property !== null) note(param.type, param.type.tsInput);
    for (const column of procedure.result.columns) note(column.type, column.type.tsOutput);
  }
  for (const composite of program.composites) {
    for (const attribute of composite.attributes) note(attribute.type, attribute.type.tsInput, attribute.type.tsOutput);
  }
  for (const [name, module] of candidates) {
    if (!printed.some((text) => new RegExp(`\\b${name}\\b`).test(text))) continue;
    if (module === null) codecs.runtime(name);
    else codecs.imported(module, name, true);
  }
}

const clientOptions: StatementStructures = {
  kind: StructureKind.Interface,
  isExported: true,
  name: 'ClientOptions',
  properties: [
    {
      name: 'schema',
      hasQuestionToken: true,
      type: 'string',
      docs: ['The schema holding the procedures (the tenant schema); default `public`. Quoted, so any name is safe.'],
    },
  ],
};

/**
 * Prints the program as one TypeScript module. Every declaration is built as a ts-morph structure first and the
 * source file is created in one call (adding declarations one by one re-parses the file each time), then prettier
 * formats it. Code inside declarations that structures cannot express (object literals, methods) is written by the
 * writer functions of `writers.ts`.
 */
export async function emit(program: AnalyzedProgram, options: EmitOptions): Promise<{ path: string; text: string }[]> {
  const fileName = options.fileName ?? 'procedures.ts';
  const codecs = new CodecRegistry();
  registerTypeImports(program, codecs);
  const enums = program.enums.flatMap((item) => enumStatements(item, codecs));
  const composites = program.composites.flatMap((item) => compositeStatements(item, codecs));
  const procedures = program.procedures.flatMap((procedure) => procedureStatements(procedure, codecs));
  const client = clientFunction(program, codecs);
  const sqlStateGuard = sqlStateGuardStatements(program, codecs);
  // Array codecs are constants built from element codecs: after the enums they may use, before anything calls them.
  const helpers = [...codecs.helpers].map(([name, initializer]) => constant(name, initializer));

  const runtimeNames = [...codecs.runtimeImports].sort();
  const imports: StatementStructures[] = [
    {
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: program.runtimeImport,
      namedImports: runtimeNames.map((name) => ({ name, isTypeOnly: runtimeTypes.has(name) })),
    },
  ];
  for (const [module, { values, types }] of [...codecs.moduleImports].sort(([a], [b]) => a.localeCompare(b))) {
    imports.push({
      kind: StructureKind.ImportDeclaration,
      moduleSpecifier: module,
      namedImports: [
        ...[...types].sort().map((name) => ({ name, isTypeOnly: true })),
        ...[...values].sort().map((name) => ({ name })),
      ],
    });
  }
  if (program.jsonTypeImports.length > 0 && program.jsonTypesModule !== null) {
    imports.push({
      kind: StructureKind.ImportDeclaration,
      isTypeOnly: true,
      moduleSpecifier: program.jsonTypesModule,
      namedImports: program.jsonTypeImports,
    });
  }

  const statements: StatementStructures[] = [
    ...imports,
    constant('SOURCE_FINGERPRINT', stringLiteral(options.fingerprint), {
      isExported: true,
      docs: ['The fingerprint of the SQL files this module was generated from.'],
    }),
    ...enums,
    ...helpers,
    ...composites,
    ...procedures,
    ...(usesClientSchema(program) ? [clientOptions] : []),
    client,
    { kind: StructureKind.TypeAlias, isExported: true, name: 'Client', type: 'ReturnType<typeof createClient>' },
    ...sqlStateGuard,
  ];

  const project = new Project({ useInMemoryFileSystem: true });
  const file = project.createSourceFile(
    fileName,
    { leadingTrivia: generatedHeader(options.fingerprint), statements },
    { overwrite: true },
  );
  const text = await prettier.format(file.getFullText(), {
    parser: 'typescript',
    singleQuote: true,
    printWidth: 120,
    trailingComma: 'all',
  });
  return [{ path: fileName, text }];
}
