import { StructureKind, Writers, type FunctionDeclarationStructure } from 'ts-morph';
import type { AnalyzedProcedure, AnalyzedProgram, ParamField, SqlPart } from '../analyze/program.js';
import { procedureNames } from '../analyze/program-names.js';
import type { CodecRegistry } from './codecs.js';
import { constant, decodeExpression, inputParams } from './declarations.js';
import { methodTypeParameters, typeArgumentList, typeParametersOf, typesArgumentType } from './generics.js';
import { docText, memberAccess, propertyKey, stringLiteral, templateLiteral } from './template-literal.js';
import { arrayLiteral, block, documented, followedBy, objectLiteral, property, type Code } from './writers.js';

/** One argument's spec; the flags are written only when set, which keeps the common argument to one line. */
function argumentSpec(param: ParamField, codecs: CodecRegistry): Code {
  return objectLiteral([
    property('key', param.property === null ? 'null' : stringLiteral(param.property)),
    property('name', param.sqlName === null ? 'null' : stringLiteral(`"${param.sqlName.replaceAll('"', '""')}"`)),
    property('cast', templateLiteral(param.type.sqlType)),
    ...(param.optional ? [property('optional', 'true')] : []),
    ...(param.variadic ? [property('variadic', 'true')] : []),
    ...(param.type.value.kind === 'polymorphic'
      ? [
          property(
            'polymorphic',
            `{ family: ${stringLiteral(param.type.value.family)}, form: ${stringLiteral(param.type.value.form)} }`,
          ),
        ]
      : []),
    property('encode', codecs.encoder(param.type.value)),
  ]);
}

function callSpec(procedure: AnalyzedProcedure, codecs: CodecRegistry): Code {
  return property(
    propertyKey(procedure.key),
    objectLiteral([
      property('procedure', stringLiteral(procedure.sqlName)),
      property('head', templateLiteral(procedure.sql.head)),
      property('tail', templateLiteral([procedure.sql.tail])),
      ...(procedure.sql.named ? [property('named', 'true')] : []),
      property('args', arrayLiteral(procedure.params.map((param) => argumentSpec(param, codecs)))),
    ]),
  );
}

function parenthesised(type: string): string {
  return /[|&]/.test(type) ? `(${type})` : type;
}

/** The return type and statements of a method, by result shape. */
function methodBody(procedure: AnalyzedProcedure, codecs: CodecRegistry): { returnType: string; statements: string[] } {
  const names = procedureNames(procedure.typeName);
  const procedureName = stringLiteral(procedure.sqlName);
  const typeArguments = procedure.typeArguments ?? [];
  const hasFamilies = typeArguments.some((argument) => argument !== 'columns');
  const hasColumns = typeArguments.includes('columns');
  // A generic call also needs the client's schema (the caller's types may live there) and the caller's types.
  const context =
    typeArguments.length === 0
      ? ''
      : `, { schema${hasFamilies ? ', types' : ''}${hasColumns ? ', columns: types.columns' : ''} }`;
  const paramsArgument = inputParams(procedure).length > 0 ? ', params' : context === '' ? '' : ', undefined';
  const call = `await ${codecs.runtime('invoke')}(db, calls${memberAccess(procedure.key)}${paramsArgument}${context})`;
  const rowGeneric = typeParametersOf(procedure.result.columns.map((item) => item.type));
  const rowType = procedure.result.columnList
    ? `${codecs.runtime('ColumnsRow')}<C>`
    : `${names.row}${typeArgumentList(rowGeneric)}`;
  const decodeRow = (row: string) =>
    procedure.result.columnList
      ? `${codecs.runtime('decodeColumns')}(${row}, types.columns, ${procedureName})`
      : `${names.decodeRow}(${row}${rowGeneric.length > 0 ? ', types' : ''})`;
  const [column] = procedure.result.columns;
  const decodeValue = (row: string) =>
    decodeExpression(
      codecs,
      column!.type,
      column!.nullable,
      column!.transport,
      `${row}[${stringLiteral(column!.sqlName)}]`,
      procedureName,
      stringLiteral(column!.sqlName),
    );
  const valueType = column ? `${column.type.tsOutput}${column.nullable ? ' | null' : ''}` : '';
  const atMostOne = () => `const row = ${codecs.runtime('atMostOneRow')}(${call}, ${procedureName});`;
  const exactlyOne = () => `${codecs.runtime('exactlyOneRow')}(${call}, ${procedureName})`;
  switch (procedure.result.kind) {
    case 'rows':
      return { returnType: `${rowType}[]`, statements: [`return (${call}).map((row) => ${decodeRow('row')});`] };
    case 'optional-row':
      return {
        returnType: `${rowType} | null`,
        statements: [atMostOne(), `return row === undefined ? null : ${decodeRow('row')};`],
      };
    case 'row':
      return { returnType: rowType, statements: [`return ${decodeRow(exactlyOne())};`] };
    case 'values':
      return {
        returnType: `${parenthesised(valueType)}[]`,
        statements: [`return (${call}).map((row) => ${decodeValue('row')});`],
      };
    case 'optional-value':
      return {
        returnType: column!.nullable ? valueType : `${valueType} | null`,
        statements: [atMostOne(), `return row === undefined ? null : ${decodeValue('row')};`],
      };
    case 'value':
      return { returnType: valueType, statements: [`const row = ${exactlyOne()};`, `return ${decodeValue('row')};`] };
    case 'void':
      return { returnType: 'void', statements: [`${call};`] };
  }
}

function method(procedure: AnalyzedProcedure, codecs: CodecRegistry): Code {
  const names = procedureNames(procedure.typeName);
  const params = inputParams(procedure);
  const typesParameter =
    procedure.typeArguments === undefined ? null : `types: ${typesArgumentType(procedure.typeArguments, codecs)}`;
  const paramsType = `${names.params}${typeArgumentList(typeParametersOf(params.map((param) => param.type)))}`;
  // A trailing `types` argument is required, so `params` can only default when it is the last one.
  const defaulted = params.every((param) => param.optional) && typesParameter === null;
  const parameters = [
    ...(params.length === 0 ? [] : [`params: ${paramsType}${defaulted ? ' = {}' : ''}`]),
    ...(typesParameter === null ? [] : [typesParameter]),
  ];
  const { returnType, statements } = methodBody(procedure, codecs);
  const calls = `Calls ${procedure.kind === 'procedure' ? 'the procedure ' : ''}${procedure.sqlName}; database errors are thrown as ProcedureError (explicitly raised SQLSTATEs: ${names.sqlState}).`;
  const doc = [procedure.doc, calls]
    .filter((line): line is string => line !== null)
    .map(docText)
    .join('\n\n');
  const signature = `async ${procedure.methodName}${methodTypeParameters(procedure, codecs)}(${parameters.join(', ')})`;
  return documented(doc, block(`${signature}: Promise<${returnType}>`, statements));
}

/** The per-schema clients and their routines, in first-use order. */
function namespaces(program: AnalyzedProgram): [string, AnalyzedProcedure[]][] {
  const groups = new Map<string, AnalyzedProcedure[]>();
  for (const procedure of program.procedures) {
    if (procedure.namespace !== null) {
      groups.set(procedure.namespace, [...(groups.get(procedure.namespace) ?? []), procedure]);
    }
  }
  return [...groups];
}

const isClientSchema = (part: SqlPart): boolean => typeof part !== 'string';

/**
 * Whether any call names the client's schema. When every routine is schema-qualified nothing does, and the client
 * takes no schema option (an unread `schema` would fail projects compiled with noUnusedLocals).
 */
export function usesClientSchema(program: AnalyzedProgram): boolean {
  return (
    program.fingerprintFunction !== null ||
    program.procedures.some(
      (procedure) =>
        procedure.sql.head.some(isClientSchema) ||
        // A generic call passes the client's schema on (see methodBody), even when every routine is qualified.
        (procedure.typeArguments?.length ?? 0) > 0 ||
        procedure.params.some((param) => param.type.sqlType.some(isClientSchema)),
    )
  );
}

/** `createClient(db, { schema })`: the schema is quoted once; each method builds its call from a prepared spec. */
export function clientFunction(program: AnalyzedProgram, codecs: CodecRegistry): FunctionDeclarationStructure {
  const withSchema = usesClientSchema(program);
  const fingerprintQuery = program.fingerprintFunction
    ? templateLiteral(['SELECT ', { clientSchema: true } as const, `.${program.fingerprintFunction}() AS value`])
    : null;
  const fingerprintMembers = fingerprintQuery
    ? [
        documented(
          'Compares SOURCE_FINGERPRINT with the fingerprint the migration runner recorded in the schema.',
          property(
            'checkFingerprint',
            `(): Promise<${codecs.runtime('FingerprintCheck')}> => ${codecs.runtime('readFingerprint')}(db, ${fingerprintQuery}, SOURCE_FINGERPRINT)`,
          ),
        ),
        documented(
          'Throws FingerprintMismatchError unless the schema holds the procedures this client was generated from.',
          property(
            'assertFingerprint',
            `(): Promise<void> => ${codecs.runtime('assertFingerprint')}(db, ${fingerprintQuery}, SOURCE_FINGERPRINT)`,
          ),
        ),
      ]
    : [];
  const calls = objectLiteral(program.procedures.map((procedure) => callSpec(procedure, codecs)));
  const client = objectLiteral([
    documented(
      'The fingerprint of the SQL this client was generated from.',
      property('fingerprint', 'SOURCE_FINGERPRINT'),
    ),
    ...fingerprintMembers,
    ...program.procedures
      .filter((procedure) => procedure.namespace === null)
      .map((procedure) => method(procedure, codecs)),
    ...namespaces(program).map(([namespace, procedures]) =>
      documented(
        `The routines of schema ${docText(namespace)}.`,
        property(namespace, objectLiteral(procedures.map((procedure) => method(procedure, codecs)))),
      ),
    ),
  ]);
  return {
    kind: StructureKind.Function,
    isExported: true,
    name: 'createClient',
    docs: [
      'A client for the procedures in one schema. `db` is anything with `query(text, values)`: a pg Pool, Client, ' +
        'PoolClient (inside a transaction too) or PGlite.',
    ],
    parameters: [
      { name: 'db', type: codecs.runtime('Queryable') },
      ...(withSchema ? [{ name: 'options', type: 'ClientOptions', initializer: '{}' }] : []),
    ],
    statements: [
      ...(withSchema ? [constant('schema', `${codecs.runtime('quoteIdentifier')}(options.schema ?? 'public')`)] : []),
      constant('calls', followedBy(calls, `satisfies Record<string, ${codecs.runtime('CallSpec')}>`)),
      Writers.returnStatement(client),
    ],
  };
}
