import type { Node } from 'libpg-query';
import { formatLocation } from '../model/source-location.js';
import type { Diagnostic, Model, Procedure, SourceFile } from '../model/types.js';
import { createCatalog, type Catalog } from './catalog.js';
import type { Mapped } from './definitions.js';
import { commentBlockAbove, commentLines, splitDocComment } from './doc-comments.js';
import { parseSync } from './libpg-query-module.js';
import { parameterDefaultTexts } from './parameter-defaults.js';
import { nameResolver, noCreationSchema, type NameResolver } from './name-resolution.js';
import { placeholderSubstitution, type PlaceholderSubstitution } from './placeholder.js';
import { readPsqlScript } from './psql-script.js';
import { defaultSearchPath, SessionSearchPath } from './search-path.js';
import { addCalleeSqlStates, type CallsByLocation } from './callee-sqlstates.js';
import { raisedSqlStates, type BodyCall } from './raised-sqlstates.js';
import { readWithPgsqlAstParser, type Definition } from './read-pgsql-ast-parser.js';
import { readAggregate, type FinalFunctionResult } from './read-aggregate.js';
import { readComposite, readEnum, readRoutine, type TreeContext } from './read-libpg-query.js';
import { sourcePositions, type SourcePositions } from './source-positions.js';
import { handleStatement } from './statement-handlers.js';
import { columnTypeOf } from './column-type.js';
import { splitStatements, type Statement } from './statements.js';
import { functionBodyToken, tokenize, type Token } from './tokens.js';

export type ParserName = Procedure['parsedBy'];

export interface ParseOptions {
  /** Stands for the tenant schema in the SQL; default `{schema}`. */
  placeholder?: string;
  /** psql variables (`:name`) and their values; default none. */
  variables?: Readonly<Record<string, string>>;
  /** The search_path before any file sets one: schema names, `$user` or the placeholder; default PostgreSQL's. */
  searchPath?: readonly string[];
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

/**
 * What every file of one run reads and changes: the catalog, the session's search path, the run's diagnostics, and
 * the psql variables already reported as having no value.
 */
interface RunState {
  placeholder: PlaceholderSubstitution;
  variables: Readonly<Record<string, string>>;
  forceParser: ParserName | null;
  catalog: Catalog;
  searchPath: SessionSearchPath;
  names: NameResolver;
  diagnostics: Diagnostic[];
  calls: CallsByLocation;
  reportedVariables: Set<string>;
}

/**
 * Reads the files in order as a migration history, as one session applying them would (psql's meta-commands and
 * variables first, then each statement), and returns the definitions that exist at the end.
 */
export function parseSources(files: readonly SourceFile[], options: ParseOptions = {}): ParseResult {
  const placeholder = placeholderSubstitution(options.placeholder);
  const diagnostics: Diagnostic[] = [];
  const searchPath = new SessionSearchPath(
    (options.searchPath ?? defaultSearchPath).map((name) =>
      name === placeholder.placeholder ? { kind: 'placeholder' as const } : { kind: 'named' as const, name },
    ),
  );
  const catalog: Catalog = createCatalog(diagnostics, placeholder.placeholder, () => names.lookupSchemas());
  const names = nameResolver(searchPath, catalog);
  const state: RunState = {
    placeholder,
    variables: options.variables ?? {},
    forceParser: options.forceParser ?? null,
    catalog,
    searchPath,
    names,
    diagnostics,
    calls: new Map(),
    reportedVariables: new Set(),
  };
  for (const file of files) {
    new FileReader(file, state).read();
    searchPath.endOfFile();
  }
  return { model: addCalleeSqlStates(catalog.model(), state.calls), diagnostics };
}

class FileReader {
  /** Parsers read `positions.text`: the file as psql sends it, with the placeholder substituted. */
  private readonly positions: SourcePositions;
  private readonly placeholder: PlaceholderSubstitution;
  private readonly forceParser: ParserName | null;
  private readonly catalog: Catalog;
  private readonly diagnostics: Diagnostic[];
  private readonly calls: CallsByLocation;

  constructor(
    file: SourceFile,
    private readonly state: RunState,
  ) {
    ({
      placeholder: this.placeholder,
      forceParser: this.forceParser,
      catalog: this.catalog,
      diagnostics: this.diagnostics,
      calls: this.calls,
    } = state);
    const script = readPsqlScript(file.text, { variables: state.variables, placeholder: this.placeholder.placeholder });
    this.positions = sourcePositions(file.path, this.placeholder.apply(script.text), file.text, script.edits);
    for (const note of script.notes) this.reportOriginal('warning', note.code, note.message, note.offset);
    for (const { name, offset } of script.unset) {
      if (state.reportedVariables.has(name)) continue;
      state.reportedVariables.add(name);
      this.reportOriginal(
        'warning',
        'psql-variable',
        `psql variable :${name} has no value, so it is read as ${this.placeholder.placeholder}, the schema chosen ` +
          `at run time; give it a value in "variables" (or --variable ${name}=...) if it names something else`,
        offset,
      );
    }
  }

  read(): void {
    let tokens: Token[];
    try {
      tokens = tokenize(this.positions);
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

  private reportOriginal(severity: Diagnostic['severity'], code: string, message: string, offset: number): void {
    this.diagnostics.push({ severity, code, message, location: this.positions.originalLocation(offset) });
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
      names: this.state.names,
      searchPath: this.state.searchPath,
      positions: this.positions,
      report: (severity, code, message, offset) => this.report(severity, code, message, offset),
      readDefinition: () => this.readDefinition(statement, node, context),
    });
  }

  private treeContext(statement: Statement): TreeContext {
    return {
      placeholder: this.placeholder,
      names: this.state.names,
      offsetOf: (byteLocation) =>
        byteLocation === undefined || byteLocation < 0
          ? null
          : this.positions.charOffset(byteLocation + statement.byteBase),
      columnType: (names) => columnTypeOf(this.catalog.types, names, this.placeholder),
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
        this.state.names,
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
    const value = definition.value;
    const schema = this.state.names.creationSchema(value.kind === 'type' ? value.type.schema : value.routine.schema);
    if (schema === null) {
      this.report(
        'error',
        'invalid-schema',
        noCreationSchema(this.state.searchPath, this.placeholder.placeholder),
        statement.start,
      );
      return;
    }
    if (value.kind === 'type') {
      this.catalog.types.create({ ...value.type, schema, location });
      return;
    }
    const { orReplace, ...written } = value.routine;
    const routine = { ...written, schema };
    const defaultTexts = parameterDefaultTexts(statement.tokens, (start, end) =>
      this.positions.originalSlice(start, end),
    );
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
