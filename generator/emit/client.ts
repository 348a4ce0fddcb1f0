import { StructureKind, type FunctionDeclarationStructure } from 'ts-morph';
import type { AnalyzedProcedure, AnalyzedProgram, ParamField } from '../analyze/program.js';
import { procedureNames } from '../analyze/program-names.js';
import type { CodecRegistry } from './codecs.js';
import { decodeExpression, inputParams } from './declarations.js';
import { docText, stringLiteral, templateLiteral } from './template-literal.js';

/** One argument's spec; the flags are written only when set, which keeps the common argument to one line. */
function argumentSpec(param: ParamField, codecs: CodecRegistry): string {
  const key = param.property === null ? 'null' : stringLiteral(param.property);
  const name = param.sqlName === null ? 'null' : stringLiteral(`"${param.sqlName.replaceAll('"', '""')}"`);
  const flags = `${param.optional ? ', optional: true' : ''}${param.variadic ? ', variadic: true' : ''}`;
  return `{ key: ${key}, name: ${name}, cast: ${templateLiteral(param.type.sqlType)}${flags}, encode: ${codecs.encoder(param.type.value)} }`;
}

function callSpec(procedure: AnalyzedProcedure, codecs: CodecRegistry): string {
  return `${procedure.methodName}: { procedure: ${stringLiteral(procedure.sqlName)}, head: ${templateLiteral(
    procedure.sql.head,
  )}, tail: ${templateLiteral([procedure.sql.tail])}, args: [${procedure.params
    .map((param) => argumentSpec(param, codecs))
    .join(', ')}] },`;
}

function parenthesised(type: string): string {
  return /[|&]/.test(type) ? `(${type})` : type;
}

function method(procedure: AnalyzedProcedure, codecs: CodecRegistry): string {
  const names = procedureNames(procedure.typeName);
  const procedureName = stringLiteral(procedure.sqlName);
  const params = inputParams(procedure);
  const parameter =
    params.length === 0 ? '' : `params: ${names.params}${params.every((param) => param.optional) ? ' = {}' : ''}`;
  const call = `await ${codecs.runtime('invoke')}(db, calls.${procedure.methodName}${params.length === 0 ? '' : ', params'})`;
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
  let returnType: string;
  let body: string;
  switch (procedure.result.kind) {
    case 'rows':
      returnType = `${names.row}[]`;
      body = `return (${call}).map((row) => ${names.decodeRow}(row));`;
      break;
    case 'optional-row':
      returnType = `${names.row} | null`;
      body = `const row = ${codecs.runtime('atMostOneRow')}(${call}, ${procedureName});
        return row === undefined ? null : ${names.decodeRow}(row);`;
      break;
    case 'row':
      returnType = names.row;
      body = `return ${names.decodeRow}(${codecs.runtime('exactlyOneRow')}(${call}, ${procedureName}));`;
      break;
    case 'values':
      returnType = `${parenthesised(valueType)}[]`;
      body = `return (${call}).map((row) => ${decodeValue('row')});`;
      break;
    case 'optional-value':
      returnType = column!.nullable ? valueType : `${valueType} | null`;
      body = `const row = ${codecs.runtime('atMostOneRow')}(${call}, ${procedureName});
        return row === undefined ? null : ${decodeValue('row')};`;
      break;
    case 'value':
      returnType = valueType;
      body = `const row = ${codecs.runtime('exactlyOneRow')}(${call}, ${procedureName});
        return ${decodeValue('row')};`;
      break;
    case 'void':
      returnType = 'void';
      body = `${call};`;
      break;
  }
  const doc = [procedure.doc, `Calls ${procedure.kind === 'procedure' ? 'the procedure ' : ''}${procedure.sqlName}; database errors are thrown as ProcedureError (explicitly raised SQLSTATEs: ${names.sqlState}).`]
    .filter((line): line is string => line !== null)
    .map(docText)
    .join('\n\n');
  return `/** ${doc.split('\n').join('\n * ')} */
    async ${procedure.methodName}(${parameter}): Promise<${returnType}> {
      ${body}
    },`;
}

/** `createClient(db, { schema })`: the schema is quoted once; each method builds its call from a prepared spec. */
export function clientFunction(program: AnalyzedProgram, codecs: CodecRegistry): FunctionDeclarationStructure {
  const fingerprintQuery = program.fingerprintFunction
    ? templateLiteral(['SELECT ', { clientSchema: true } as const, `.${program.fingerprintFunction}() AS value`])
    : null;
  const fingerprintMembers = fingerprintQuery
    ? `/** Compares SOURCE_FINGERPRINT with the fingerprint the migration runner recorded in the schema. */
      checkFingerprint: (): Promise<${codecs.runtime('FingerprintCheck')}> => ${codecs.runtime('readFingerprint')}(db, ${fingerprintQuery}, SOURCE_FINGERPRINT),
      /** Throws FingerprintMismatchError unless the schema holds the procedures this client was generated from. */
      assertFingerprint: (): Promise<void> => ${codecs.runtime('assertFingerprint')}(db, ${fingerprintQuery}, SOURCE_FINGERPRINT),`
    : '';
  const methods = program.procedures.map((procedure) => method(procedure, codecs)).join('\n');
  const specs = program.procedures.map((procedure) => callSpec(procedure, codecs)).join('\n');
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
      { name: 'options', type: 'ClientOptions', initializer: '{}' },
    ],
    statements: [
      `const schema = ${codecs.runtime('quoteIdentifier')}(options.schema ?? 'public');`,
      `const calls = {${specs}} satisfies Record<string, ${codecs.runtime('CallSpec')}>;`,
      `return {
        /** The fingerprint of the SQL this client was generated from. */
        fingerprint: SOURCE_FINGERPRINT,
        ${fingerprintMembers}
        ${methods}
      };`,
    ],
  };
}
