import { StructureKind, type StatementStructures } from 'ts-morph';
import type { AnalyzedProgram } from '../analyze/program.js';
import { procedureNames, sqlStateGuardNames } from '../analyze/program-names.js';
import type { CodecRegistry } from './codecs.js';
import { constant } from './declarations.js';
import { propertyKey, stringLiteral } from './template-literal.js';
import { objectLiteral, property } from './writers.js';

/**
 * `isProcedureError(error, method?, ...sqlstates)`: the guard that makes the per-procedure SQLSTATE unions usable at
 * a call site, with the method → union map it is typed by and the method → procedure and codes table it checks.
 */
export function sqlStateGuardStatements(program: AnalyzedProgram, codecs: CodecRegistry): StatementStructures[] {
  const names = sqlStateGuardNames;
  const example = program.procedures.find((procedure) => procedure.raises.length > 0);
  const table = objectLiteral(
    program.procedures.map((procedure) =>
      property(
        propertyKey(procedure.key),
        `[${stringLiteral(procedure.sqlName)}, [${procedure.raises.map(stringLiteral).join(', ')}]]`,
      ),
    ),
  );
  return [
    {
      kind: StructureKind.Interface,
      isExported: true,
      name: names.map,
      docs: ["Each client method's SQLSTATE union: the codes its procedure raises explicitly."],
      properties: program.procedures.map((procedure) => ({
        name: propertyKey(procedure.key),
        type: procedureNames(procedure.typeName).sqlState,
      })),
    },
    constant(names.table, table, {
      type: `Record<keyof ${names.map}, ${codecs.runtime('RaisedSqlStates')}>`,
      docs: [`Each client method's procedure and the SQLSTATEs it raises explicitly, checked by ${names.guard}.`],
    }),
    {
      kind: StructureKind.Function,
      isExported: true,
      name: names.guard,
      docs: [
        [
          'Whether `error` is the ProcedureError of a SQLSTATE a procedure raises explicitly: of `method` when given,',
          'one of `sqlstates` when given. Narrows `error.sqlstate` to those codes' +
            (example
              ? `, e.g. \`${names.guard}(error, ${stringLiteral(example.key)}, ${stringLiteral(example.raises[0]!)})\`.`
              : '.'),
          "Any other error (PostgreSQL's own SQLSTATEs included) is not one: test `instanceof ProcedureError` for those.",
        ].join('\n'),
      ],
      typeParameters: [
        { name: 'M', constraint: `keyof ${names.map}`, default: `keyof ${names.map}` },
        { name: 'S', constraint: `${names.map}[M]`, default: `${names.map}[M]` },
      ],
      parameters: [
        { name: 'error', type: 'unknown' },
        { name: 'method', type: 'M', hasQuestionToken: true },
        { name: 'sqlstates', type: 'S[]', isRestParameter: true },
      ],
      returnType: `error is ${codecs.runtime('ProcedureError')}<S>`,
      statements: [
        `return ${codecs.runtime('isRaisedSqlState')}(error, method === undefined ? Object.values(${names.table}) : [${names.table}[method]], sqlstates);`,
      ],
    },
  ];
}
