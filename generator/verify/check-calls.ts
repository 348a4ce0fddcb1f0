import type pg from 'pg';
import type { AnalyzedProcedure, AnalyzedProgram, SqlPart } from '../analyze/program.js';
import { formatLocation } from '../model/source-location.js';
import { bindArguments, type CallContext, type CallSpec } from '../runtime/call.js';
import { decodeAny } from '../runtime/decoders.js';
import { encodeAny } from '../runtime/encoders.js';
import type { PgType } from '../runtime/pg-types.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';

/** The call spec a generated client builds for `procedure` in `schema` (quoted): what its method sends. */
export function callSpecOf(procedure: AnalyzedProcedure, schema: string): CallSpec {
  const text = (parts: readonly SqlPart[]) => parts.map((part) => (typeof part === 'string' ? part : schema)).join('');
  return {
    procedure: procedure.sqlName,
    head: text(procedure.sql.head),
    tail: procedure.sql.tail,
    named: procedure.sql.named === true,
    args: procedure.params.map((param) => ({
      key: param.property,
      name: param.sqlName === null ? null : quoteIdentifier(param.sqlName),
      cast: text(param.type.sqlType),
      optional: param.optional,
      variadic: param.variadic,
      ...(param.type.value.kind === 'polymorphic'
        ? { polymorphic: { family: param.type.value.family, form: param.type.value.form } }
        : {}),
      encode: encodeAny,
    })),
  };
}

const standIn = (sql: string, range?: string, multirange?: string): PgType<unknown> => ({
  sql: () => sql,
  decode: decodeAny,
  encode: encodeAny,
  ...(range === undefined ? {} : { range, multirange }),
});

/** Beyond this many optional arguments, only all sent, all left out and each one left out alone are checked. */
const maximumOptionalForEveryForm = 6;

/** Which optional arguments each checked call leaves out. */
function omissions(optional: readonly string[]): string[][] {
  if (optional.length <= maximumOptionalForEveryForm) {
    return Array.from({ length: 2 ** optional.length }, (_, mask) =>
      optional.filter((_, index) => (mask & (2 ** index)) !== 0),
    );
  }
  return [[], [...optional], ...optional.map((key) => [key])];
}

/**
 * The calls of one method: every argument list it can send (optional arguments left out in every combination), as
 * SQL text with the argument casts. Values are NULL, which needs no encoder. A generic method's families are fixed
 * to int4 (anyenum to `enumType`), and a column definition list has one text column.
 */
export function callsOf(
  procedure: AnalyzedProcedure,
  schema: string,
  enumType: string | null,
): { text: string; values: unknown[] }[] | null {
  const spec = callSpecOf(procedure, schema);
  const typeArguments = procedure.typeArguments ?? [];
  const usesEnum = procedure.params.some(
    (param) => param.type.value.kind === 'polymorphic' && param.type.sqlType[0] === 'anyenum',
  );
  if (usesEnum && enumType === null) return null;
  const element = usesEnum ? standIn(enumType!) : standIn('int4', 'int4range', 'int4multirange');
  const context: CallContext | undefined =
    typeArguments.length === 0
      ? undefined
      : {
          schema,
          types: { element, compatible: standIn('int4', 'int4range', 'int4multirange') },
          ...(typeArguments.includes('columns') ? { columns: { value: standIn('text') } } : {}),
        };
  const keys = procedure.params.flatMap((param) => (param.property === null ? [] : [param.property]));
  const optional = procedure.params.flatMap((param) => (param.optional ? [param.property!] : []));
  return omissions(optional).map((omitted) => {
    const params = Object.fromEntries(keys.filter((key) => !omitted.includes(key)).map((key) => [key, null]));
    return bindArguments(spec, params, context);
  });
}

/**
 * Proves PostgreSQL accepts every call the generated client can send, as written: each function call is PREPAREd
 * (parsed, resolved and type-checked, not run). CALL cannot be prepared, so a procedure's call runs with NULL
 * arguments inside a savepoint that is rolled back; only an error of class 42 (the call itself is wrong: no such
 * routine, ambiguous, a type mismatch) counts against it. Returns one line per refused call.
 */
export async function checkCalls(
  client: pg.ClientBase,
  program: AnalyzedProgram,
  tenantSchema: string,
  enumType: string | null,
): Promise<string[]> {
  const schema = quoteIdentifier(tenantSchema);
  const problems: string[] = [];
  for (const procedure of program.procedures) {
    const where = `${formatLocation(procedure.location)}: ${procedure.sqlName}`;
    const calls = callsOf(procedure, schema, enumType);
    if (calls === null) {
      problems.push(`${where}: cannot check the generated call: anyenum needs an enum in the input files`);
      continue;
    }
    for (const { text, values } of calls) {
      await client.query('SAVEPOINT sproc_verify_call');
      try {
        if (procedure.kind === 'procedure') {
          await client.query(text, values);
        } else {
          await client.query(`PREPARE sproc_verify_call AS ${text}`);
          await client.query('DEALLOCATE sproc_verify_call');
        }
      } catch (error) {
        const { message, code } = error as { message: string; code?: string };
        if (procedure.kind !== 'procedure' || code?.startsWith('42')) {
          problems.push(`${where}: PostgreSQL does not accept the generated call ${text}: ${message}`);
        }
      } finally {
        await client.query('ROLLBACK TO SAVEPOINT sproc_verify_call');
      }
    }
  }
  return problems;
}
