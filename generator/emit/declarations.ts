import {
  StructureKind,
  VariableDeclarationKind,
  Writers,
  type FunctionDeclarationStructure,
  type InterfaceDeclarationStructure,
  type StatementStructures,
  type TypeAliasDeclarationStructure,
  type VariableStatementStructure,
} from 'ts-morph';
import type {
  AnalyzedComposite,
  AnalyzedEnum,
  AnalyzedProcedure,
  ResultColumn,
  SqlPart,
  TypedValue,
} from '../analyze/program.js';
import { compositeNames, enumNames, procedureNames } from '../analyze/program-names.js';
import type { CodecRegistry } from './codecs.js';
import { typeArgumentList, typeParametersOf, typesArgumentType } from './generics.js';
import { docText, stringLiteral, templateLiteral } from './template-literal.js';
import { objectLiteral, property, type Code } from './writers.js';

const outputType = (type: TypedValue, nullable: boolean) => `${type.tsOutput}${nullable ? ' | null' : ''}`;

/** `notNull(decodeX, value, procedure, field)` or `orNull(...)`, asserted to the annotated type where there is one. */
export function decodeExpression(
  codecs: CodecRegistry,
  type: TypedValue,
  nullable: boolean,
  transport: 'text' | 'native',
  value: string,
  procedure: string,
  field: string,
): string {
  const wrapper = codecs.runtime(nullable ? 'orNull' : 'notNull');
  const call = `${wrapper}(${codecs.decoder(type.value, transport)}, ${value}, ${procedure}, ${field})`;
  return type.asserted ? `(${call} as ${outputType(type, nullable)})` : call;
}

/** `const name: type = initializer;`, at module level or in a function body. */
export function constant(
  name: string,
  initializer: Code,
  options: { isExported?: boolean; type?: string; docs?: string[] } = {},
): VariableStatementStructure {
  return {
    kind: StructureKind.VariableStatement,
    isExported: options.isExported ?? false,
    docs: options.docs ?? [],
    declarationKind: VariableDeclarationKind.Const,
    declarations: [{ name, type: options.type, initializer }],
  };
}

export function enumStatements(item: AnalyzedEnum, codecs: CodecRegistry): StatementStructures[] {
  const names = enumNames(item.typeName);
  const labels = `[${item.labels.map(stringLiteral).join(', ')}] as const`;
  return [
    constant(names.labels, labels, {
      isExported: true,
      docs: [`The labels of the enum ${docText(item.sqlName)}, in order.`],
    }),
    { kind: StructureKind.TypeAlias, isExported: true, name: names.type, type: `(typeof ${names.labels})[number]` },
    // Exported, so a project compiling with noUnusedLocals accepts a codec no procedure happens to use.
    constant(names.decode, `${codecs.runtime('enumDecoder')}(${stringLiteral(item.sqlName)}, ${names.labels})`, {
      isExported: true,
    }),
    constant(names.encode, `${codecs.runtime('enumEncoder')}(${stringLiteral(item.sqlName)}, ${names.labels})`, {
      isExported: true,
    }),
    runtimeTypeConstant(names, item.sqlType, item.sqlName, codecs),
  ];
}

/** `The composite type pair`, `The row type of table orders`. */
function rowTypeWords(item: AnalyzedComposite): string {
  if (item.sqlKind === 'composite') return `The composite type ${docText(item.sqlName)}`;
  const what = item.sqlKind === 'materialized-view' ? 'materialized view' : item.sqlKind;
  return `The row type of ${what} ${docText(item.sqlName)}`;
}

/** `moodType`: what a caller passes to a generic method (`{ element: moodType }`) to use the type. */
function runtimeTypeConstant(
  names: { type: string; decode: string; encode: string; pgType: string },
  sqlType: SqlPart[],
  sqlName: string,
  codecs: CodecRegistry,
): VariableStatementStructure {
  const usesSchema = sqlType.some((part) => typeof part !== 'string');
  return constant(
    names.pgType,
    objectLiteral([
      property('sql', `(${usesSchema ? 'schema' : ''}) => ${templateLiteral(sqlType)}`),
      property('decode', names.decode),
      property('encode', names.encode),
    ]),
    {
      isExported: true,
      type: `${codecs.runtime('PgType')}<${names.type}>`,
      docs: [`The type ${docText(sqlName)} for the type arguments of generic methods.`],
    },
  );
}

export function compositeStatements(item: AnalyzedComposite, codecs: CodecRegistry): StatementStructures[] {
  const names = compositeNames(item.typeName);
  const output: InterfaceDeclarationStructure = {
    kind: StructureKind.Interface,
    isExported: true,
    name: names.type,
    docs: [`${rowTypeWords(item)}. PostgreSQL cannot declare attributes non-null.`],
    properties: item.attributes.map((attribute) => ({
      name: attribute.property,
      type: outputType(attribute.type, true),
    })),
  };
  const input: InterfaceDeclarationStructure = {
    kind: StructureKind.Interface,
    isExported: true,
    name: names.input,
    docs: [`${rowTypeWords(item)} as an argument; a missing attribute is NULL.`],
    properties: item.attributes.map((attribute) => ({
      name: attribute.property,
      hasQuestionToken: true,
      type: `${attribute.type.tsInput} | null`,
    })),
  };
  const field = (property: string) => `\`\${field}.${property}\``;
  // The codecs are exported, so a project compiling with noUnusedLocals accepts one no procedure happens to use.
  const decode: FunctionDeclarationStructure = {
    kind: StructureKind.Function,
    isExported: true,
    name: names.decode,
    parameters: [
      { name: 'value', type: 'unknown' },
      { name: 'procedure', type: 'string' },
      { name: 'field', type: 'string' },
    ],
    returnType: names.type,
    statements: [
      constant('attributes', `${codecs.runtime('recordFields')}(value, ${item.attributes.length}, procedure, field)`),
      Writers.returnStatement(
        objectLiteral(
          item.attributes.map((attribute, index) =>
            property(
              attribute.property,
              decodeExpression(
                codecs,
                attribute.type,
                true,
                'text',
                `attributes[${index}]`,
                'procedure',
                field(attribute.property),
              ),
            ),
          ),
        ),
      ),
    ],
  };
  const encode: FunctionDeclarationStructure = {
    kind: StructureKind.Function,
    isExported: true,
    name: names.encode,
    parameters: [
      { name: 'value', type: names.input },
      { name: 'procedure', type: 'string' },
      { name: 'field', type: 'string' },
    ],
    returnType: 'string',
    statements: [
      `return ${codecs.runtime('formatRecordLiteral')}([${item.attributes
        .map(
          (attribute) =>
            `value.${attribute.property} == null ? null : ${codecs.encoder(attribute.type.value)}(value.${attribute.property}, procedure, ${field(attribute.property)})`,
        )
        .join(', ')}]);`,
    ],
  };
  return [output, input, decode, encode, runtimeTypeConstant(names, item.sqlType, item.sqlName, codecs)];
}

export function hasRowType(procedure: AnalyzedProcedure): boolean {
  return ['rows', 'optional-row', 'row'].includes(procedure.result.kind);
}

export function inputParams(procedure: AnalyzedProcedure) {
  return procedure.params.filter((param): param is typeof param & { property: string } => param.property !== null);
}

export function procedureStatements(procedure: AnalyzedProcedure, codecs: CodecRegistry): StatementStructures[] {
  const names = procedureNames(procedure.typeName);
  const statements: StatementStructures[] = [];
  const params = inputParams(procedure);
  if (params.length > 0) {
    statements.push({
      kind: StructureKind.Interface,
      isExported: true,
      name: names.params,
      typeParameters: typeParametersOf(params.map((param) => param.type)),
      docs: [
        `Arguments of ${docText(procedure.sqlName)}. null is SQL NULL; a left-out optional argument takes its default.`,
      ],
      properties: params.map((param) => ({
        name: param.property,
        hasQuestionToken: param.optional,
        type: param.nullable ? `${param.type.tsInput} | null` : param.type.tsInput,
      })),
    });
  }
  if (hasRowType(procedure) && !procedure.result.columnList) {
    statements.push(
      {
        kind: StructureKind.Interface,
        isExported: true,
        name: names.row,
        typeParameters: typeParametersOf(procedure.result.columns.map((column) => column.type)),
        docs: [`A row returned by ${docText(procedure.sqlName)}.`],
        properties: procedure.result.columns.map((column) => ({
          name: column.property,
          type: outputType(column.type, column.nullable),
        })),
      },
      rowDecoder(procedure, codecs),
    );
  }
  const sqlState: TypeAliasDeclarationStructure = {
    kind: StructureKind.TypeAlias,
    isExported: true,
    name: names.sqlState,
    docs: [`SQLSTATEs ${docText(procedure.sqlName)} raises explicitly (besides any error PostgreSQL itself raises).`],
    type: procedure.raises.length > 0 ? procedure.raises.map(stringLiteral).join(' | ') : 'never',
  };
  statements.push(sqlState);
  return statements;
}

function rowDecoder(procedure: AnalyzedProcedure, codecs: CodecRegistry): FunctionDeclarationStructure {
  const names = procedureNames(procedure.typeName);
  const column = (item: ResultColumn) =>
    property(
      item.property,
      decodeExpression(
        codecs,
        item.type,
        item.nullable,
        item.transport,
        `row[${stringLiteral(item.sqlName)}]`,
        stringLiteral(procedure.sqlName),
        stringLiteral(item.sqlName),
      ),
    );
  const generic = typeParametersOf(procedure.result.columns.map((item) => item.type));
  return {
    kind: StructureKind.Function,
    isExported: true,
    name: names.decodeRow,
    docs: [`Checks and converts one result row of ${docText(procedure.sqlName)}.`],
    typeParameters: generic,
    parameters: [
      { name: 'row', type: 'Record<string, unknown>' },
      ...(generic.length > 0
        ? [{ name: 'types', type: typesArgumentType(procedure.typeArguments ?? [], codecs, generic) }]
        : []),
    ],
    returnType: `${names.row}${typeArgumentList(generic)}`,
    statements: [Writers.returnStatement(objectLiteral(procedure.result.columns.map(column)))],
  };
}
