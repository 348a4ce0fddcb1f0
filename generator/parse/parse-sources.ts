import type { Node } from 'libpg-query';
import { formatLocation } from '../model/source-location.js';
import type { Diagnostic, Model, Procedure, SourceFile } from '../model/types.js';
import { createCatalog, type Catalog } from './catalog.js';
import type { Mapped } from './definitions.js';
import { commentBlockAbove, commentLines, splitDocComment } from './doc-comments.js';
import { parseSync } from './libpg-query-module.js';
import { parameterDefaultTexts } from './parameter-defaults.js';
import { placeholderSubstitution, type PlaceholderSubstitution } from './placeholder.js';
import { addCalleeSqlStates, type CallsByLocation } from './callee-sqlstates.js';
import { raisedSqlStates, type BodyCall } from './raised-sqlstates.js';
import { readWithPgsqlAstParser, type Definition } from './read-pgsql-ast-parser.js';
import { readAggregate, type FinalFunctionResult } from './read-aggregate.js';
import { readComposite, readEnum, readRoutine, type TreeContext } from './read-libpg-query.js';
import { sourcePositions, type SourcePositions } from './source-positions.js';
import { handleStatement } from './statement-handlers.js';
import { splitStatements, type Statement } from './statements.js';
import { functionBodyToken, tokenize, type Token } from './tokens.js';

export type ParserName = Procedure['parsedBy'];

export interface ParseOptions {
  /** Stands for the tenant schema in the SQL; default `{schema}`. */
  placeholder?: string;
  /**
   * Read definitions with one parser only, for the differential test. By default pgsql-ast-parser reads each
   * definition and libpg-query takes over where pgsql-ast-parser rejects or misreads it.
   */
  forceParser?: ParserName;
}

export interface ParseResult {
  model: Model;
  diagnostics: Diagnostic[];
}

/** Reads the files in order as a migration history and returns the definitions that exist at the end. */
export function parseSources(files: readonly SourceFile[], options: ParseOptions = {}): ParseResult {
  const placeholder = placeholderSubstitution(options.placeholder);
  const diagnostics: Diagnostic[] = [];
  const catalog = createCatalog(diagnostics, placeholder.placeholder);
  const calls: CallsByLocation = new Map();
  for (const file of files) {
    const reader = new FileReader(file, placeholder, options.forceParser ?? null, catalog, diagnostics, calls);
    reader.read();
  }
  return { model: addCalleeSqlStates(catalog.model(), calls), diagnostics };
}

class FileReader {
  /** Parsers read `positions.text`, where the placeholder is substituted; texts shown to users come from here. */
  private readonly original: string;
  private readonly positions: SourcePositions;

  constructor(
    file: SourceFile,
    private readonly placeholder: PlaceholderSubstitution,
    private readonly forceParser: ParserName | null,
    private readonly catalog: Catalog,
    private readonly diagnostics: Diagnostic[],
    private readonly calls: CallsByLocation,
  ) {
    this.original = file.text;
    this.positions = sourcePositions(file.path, placeholder.apply(file.text));
  }

  read(): void {
    let tokens: Token[];
    try {
      tokens = tokenize(this.positions, this.original);
    } catch {
      this.reportUntokenizable();
      return;
    }
    for (const statement of splitStatements(this.positions, tokens)) this.readStatement(statement);
  }

  /** The lexer fails only on an unterminated literal or comment; the parser says where. */
  private reportUntokenizable(): void {
    let message = 'the file cannot be tokenised';
    let offset = 0;
    try {
      parseSync(this.positions.text);
    } catch (error) {
      message = (error as Error).message;
      offset = this.positions.charOffset(
        (error as { sqlDetails?: { cursorPosition?: number } }).sqlDetails?.cursorPosition ?? 0,
      );
    }
    this.report('error', 'parse-error', `${message}; no definition in this file was read`, offset);
  }

  private report(severity: Diagnostic['severity'], code: string, message: string, offset: number): void {
    this.diagnostics.push({ severity, code, message, location: this.positions.location(offset) });
  }

  private readStatement(statement: Statement): void {
    if (statement.error) {
      const definition = isDefinitionStatement(statement.tokens);
      const what = definition ? 'definition' : 'statement';
      this.report(
        definition ? 'error' : 'warning',
        'parse-error',
        `PostgreSQL cannot parse this ${what}: ${statement.error.message}`,
        statement.error.offset,
      );
      return;
    }
    const node = statement.node;
    if (!node) return;
    const context = this.treeContext(statement);
    handleStatement(node, {
      statement,
      context,
      location: this.positions.location(statement.start),
      catalog: this.catalog,
      positions: this.positions,
      report: (severity, code, message, offset) => this.report(severity, code, message, offset),
      readDefinition: () => this.readDefinition(statement, node, context),
    });
  }

  private treeContext(statement: Statement): TreeContext {
    return {
      placeholder: this.placeholder,
      offsetOf: (byteLocation) =>
        byteLocation === undefined || byteLocation < 0
          ? null
          : this.positions.charOffset(byteLocation + statement.byteBase),
    };
  }

  private readDefinition(statement: Statement, node: Node, context: TreeContext): void {
    const text = this.positions.text.slice(statement.start, statement.end);
    let definition: Mapped<Definition> | null = null;
    let parsedBy: ParserName = 'pgsql-ast-parser';
    if (this.forceParser !== 'libpg-query') {
      definition = readWithPgsqlAstParser(
        this.positions.text,
        statement.start,
        statement.end,
        statement.tokens,
        this.placeholder,
      );
    }
    if (!definition?.ok && this.forceParser !== 'pgsql-ast-parser') {
      parsedBy = 'libpg-query';
      definition = readWithLibpgQuery(node, context, (schema, name, stateType) =>
        this.catalog.finalFunctionResult(schema, name, stateType),
      );
    }
    if (!definition) return;
    if (!definition.ok) {
      const { code, message, offset } = definition.problem;
      this.report('error', code, `cannot read this definition: ${message}`, offset ?? statement.start);
      return;
    }
    const location = this.positions.location(statement.start);
    if (definition.value.kind === 'type') {
      this.catalog.createType({ ...definition.value.type, location });
      return;
    }
    const { orReplace, ...routine } = definition.value.routine;
    const defaultTexts = parameterDefaultTexts(statement.tokens, this.original);
    const parameters = routine.parameters.map((parameter, index) => ({
      ...parameter,
      defaultText: parameter.hasDefault ? (defaultTexts[index] ?? null) : null,
    }));
    const lostDefault = parameters.find((parameter) => parameter.hasDefault && parameter.defaultText === null);
    if (lostDefault) {
      this.report(
        'error',
        'parse-error',
        `cannot find the default of parameter ${lostDefault.name ?? '(unnamed)'} in the source`,
        statement.start,
      );
      return;
    }
    const body = routine.language === 'plpgsql' ? this.raises(statement, text) : { codes: [], calls: [] };
    if (body === null) return;
    const raises = body.codes;
    this.calls.set(formatLocation(location), body.calls);
    const { doc, annotations } = splitDocComment(
      commentLines(commentBlockAbove(statement, this.positions.text)),
      this.positions,
      statement.start,
    );
    this.catalog.createRoutine({ ...routine, parameters, raises, doc, annotations, location, parsedBy }, orReplace);
  }

  /** Null when PL/pgSQL rejects the body, which PostgreSQL would too when creating the function. */
  private raises(statement: Statement, text: string): { codes: string[]; calls: BodyCall[] } | null {
    const result = raisedSqlStates(text);
    const bodyLine = bodyLineLocator(statement);
    if (!result.ok) {
      this.report('error', 'parse-error', `PL/pgSQL cannot parse the body: ${result.message}`, bodyLine(1));
      return null;
    }
    for (const problem of result.problems) {
      this.report(problem.severity, problem.code, problem.message, bodyLine(problem.bodyLine ?? 1));
    }
    return { codes: result.codes, calls: result.calls };
  }
}

function readWithLibpgQuery(node: Node, context: TreeContext, finalResult: FinalFunctionResult): Mapped<Definition> {
  const routine =
    'CreateFunctionStmt' in node
      ? readRoutine(node.CreateFunctionStmt, context)
      : 'DefineStmt' in node
        ? readAggregate(node.DefineStmt, context, finalResult)
        : null;
  if (routine) return routine.ok ? { ok: true, value: { kind: 'routine', routine: routine.value } } : routine;
  const type =
    'CreateEnumStmt' in node
      ? readEnum(node.CreateEnumStmt, context)
      : 'CompositeTypeStmt' in node
        ? readComposite(node.CompositeTypeStmt, context)
        : null;
  if (!type) return { ok: false, problem: { code: 'unsupported', message: 'not a definition', offset: null } };
  return type.ok ? { ok: true, value: { kind: 'type', type: type.value } } : type;
}

/** Maps a 1-based line of a function body (as PL/pgSQL counts) to the offset of its first non-blank character. */
function bodyLineLocator(statement: Statement): (line: number) => number {
  const body = functionBodyToken(statement.tokens);
  return (line) => {
    if (!body) return statement.start;
    const opening = /^\$[^$]*\$|^'/.exec(body.text)?.[0].length ?? 0;
    let offset = opening;
    for (let current = 1; current < line; current++) {
      const newline = body.text.indexOf('\n', offset);
      if (newline === -1) break;
      offset = newline + 1;
    }
    while (offset < body.text.length && (body.text[offset] === ' ' || body.text[offset] === '\t')) offset++;
    return body.start + offset;
  };
}

const definitionObjects = new Set(['function', 'procedure', 'routine', 'aggregate', 'type']);

/** Whether a statement PostgreSQL rejected was meant to create, drop, alter or document a function or type. */
function isDefinitionStatement(tokens: Token[]): boolean {
  const words = tokens.slice(0, 4).map((token) => token.keyword ?? '');
  const [verb] = words;
  if (verb === 'create') return definitionObjects.has(words[1] === 'or' ? (words[3] ?? '') : (words[1] ?? ''));
  if (verb === 'drop' || verb === 'alter') return definitionObjects.has(words[1] ?? '');
  if (verb === 'comment') return definitionObjects.has(words[2] ?? '');
  return false;
}
