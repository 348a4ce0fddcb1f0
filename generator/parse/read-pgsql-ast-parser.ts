import { parse, type DataTypeDef, type Statement as AstStatement } from 'pgsql-ast-parser';
import type { Column, TypeRef } from '../model/types.js';
import {
  implicitReturns,
  mapped,
  scalarOrVoid,
  unmappable,
  type Mapped,
  type RoutineDefinition,
  type TypeDefinition,
} from './definitions.js';
import type { NameResolver } from './name-resolution.js';
import type { PlaceholderSubstitution } from './placeholder.js';
import { functionBodyToken, type Token } from './tokens.js';
import { keywordTypeRef } from './type-names.js';

export type Definition = { kind: 'routine'; routine: RoutineDefinition } | { kind: 'type'; type: TypeDefinition };

/**
 * Reads one CREATE FUNCTION / CREATE TYPE statement (`start`..`end` of the file `text`) with pgsql-ast-parser.
 * Declines, so the caller falls back to libpg-query, when the parser rejects the statement or is known not to
 * represent it. The function body is blanked first: PL/pgSQL's own parser reads bodies, and sparing pgsql-ast-parser
 * the body text is most of its cost. Its locations are not used (they are unreliable around parentheses and
 * multi-word types); every location comes from PostgreSQL's lexer.
 */
export function readWithPgsqlAstParser(
  text: string,
  start: number,
  end: number,
  tokens: Token[],
  placeholder: PlaceholderSubstitution,
  names: NameResolver,
): Mapped<Definition> {
  const declined = unsupportedForm(tokens);
  if (declined) return unmappable('unsupported', declined);
  const body = functionBodyToken(tokens);
  const signature = body ? text.slice(start, body.start) + "''" + text.slice(body.end, end) : text.slice(start, end);
  let statements: AstStatement[];
  try {
    statements = parse(signature);
  } catch (error) {
    return unmappable('parse-error', (error as Error).message.split('\n')[0] ?? 'syntax error', start);
  }
  const [statement] = statements;
  if (!statement || statements.length !== 1) return unmappable('parse-error', 'expected exactly one statement', start);
  const typeRef = (type: DataTypeDef, dimensions = 0): TypeRef =>
    type.kind === 'array'
      ? typeRef(type.arrayOf, dimensions + 1)
      : names.resolveType(
          keywordTypeRef(
            placeholder.schemaRef(type.schema),
            type.name,
            type.doubleQuoted === true,
            type.config ?? [],
            dimensions,
          ),
        );

  switch (statement.type) {
    case 'create function': {
      const parameters = statement.arguments.map((argument) => ({
        name: argument.name?.name ?? null,
        type: typeRef(argument.type),
        mode: argument.mode ?? 'in',
        hasDefault: argument.default !== undefined && argument.default !== null,
      }));
      const declared = statement.returns;
      const returns = !declared
        ? implicitReturns('function', parameters)
        : declared.kind === 'table'
          ? {
              kind: 'table' as const,
              columns: declared.columns.map((column): Column => ({
                name: column.name.name,
                type: typeRef(column.type),
              })),
            }
          : scalarOrVoid(typeRef(declared), false);
      if (!returns) return unmappable('missing-returns', 'function result type must be specified', start);
      if (!statement.language) return unmappable('missing-language', 'no language specified', start);
      return mapped({
        kind: 'routine',
        routine: {
          kind: 'function',
          orReplace: statement.orReplace === true,
          schema: placeholder.schemaRef(statement.name.schema),
          name: statement.name.name,
          parameters,
          returns,
          language: statement.language.name.toLowerCase(),
          volatility: statement.purity ?? 'volatile',
          security: 'invoker',
        },
      });
    }
    case 'create enum':
      return mapped({
        kind: 'type',
        type: {
          kind: 'enum',
          schema: placeholder.schemaRef(statement.name.schema),
          name: statement.name.name,
          values: statement.values.map((value) => value.value),
        },
      });
    case 'create composite type':
      return mapped({
        kind: 'type',
        type: {
          kind: 'composite',
          schema: placeholder.schemaRef(statement.name.schema),
          name: statement.name.name,
          attributes: statement.attributes.map((attribute) => ({
            name: attribute.name.name,
            type: typeRef(attribute.dataType),
          })),
        },
      });
    default:
      return unmappable('unsupported', `pgsql-ast-parser read a ${statement.type} statement, not a definition`, start);
  }
}

/**
 * Forms pgsql-ast-parser 12 rejects (so trying is wasted time) or misreads: it accepts `time(n) with time zone` but
 * reports `timestamp with time zone`.
 */
const unsupportedKeywords = new Set([
  'procedure',
  'aggregate',
  'window',
  'setof',
  'security',
  'set',
  'variadic',
  'parallel',
  'cost',
  'rows',
  'atomic',
  'return',
]);

function unsupportedForm(tokens: Token[]): string | null {
  const keyword = tokens.find((token) => token.keyword !== null && unsupportedKeywords.has(token.keyword));
  if (keyword) return `pgsql-ast-parser does not support ${keyword.text.toUpperCase()} here`;
  // pgsql-ast-parser keeps a doubled quote doubled (`"a""b"` reads as a""b) and does not decode U&"..." escapes.
  const escapedIdentifier = tokens.find(
    (token) => /^u&"/i.test(token.text) || (token.text.startsWith('"') && token.text.slice(1, -1).includes('""')),
  );
  if (escapedIdentifier) return `pgsql-ast-parser misreads the quoted identifier ${escapedIdentifier.text}`;
  const language = tokens.findIndex((token) => token.keyword === 'language');
  if (language !== -1 && tokens[language + 1]?.text.startsWith("'"))
    return 'pgsql-ast-parser does not support a quoted language name';
  const timeWithPrecision = tokens.some((token, index) => token.keyword === 'time' && tokens[index + 1]?.text === '(');
  if (timeWithPrecision) return 'pgsql-ast-parser misreads time(n) as timestamp(n)';
  // %TYPE needs the catalog, which only the libpg-query reader consults.
  const columnType = tokens.some((token, index) => token.text === '%' && tokens[index + 1]?.keyword === 'type');
  return columnType ? 'pgsql-ast-parser does not resolve %TYPE' : null;
}
