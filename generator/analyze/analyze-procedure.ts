import { isInput } from '../model/parameters.js';
import type { Diagnostic, Parameter, Procedure, TypeRef } from '../model/types.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { jsonReturnName, readAnnotations, type Annotations } from './annotations.js';
import type { CallForm } from './call-forms.js';
import type { ClientPlace } from './client-layout.js';
import { columnPropertyOf, parameterPropertyOf } from './naming.js';
import type {
  AnalyzedProcedure,
  ParamField,
  ResultColumn,
  ResultKind,
  SqlPart,
  TypeArgument,
  TypedValue,
} from './program.js';
import { rowAttributes } from './row-types.js';
import { schemaParts, type TypeMapper } from './type-mapping.js';

interface Context {
  mapper: TypeMapper;
  placeholder: string;
  diagnostics: Diagnostic[];
  jsonTypesModule: string | null;
}

interface ColumnSource {
  name: string;
  type: TypeRef;
}

const isRecord = (type: TypeRef) =>
  type.name === 'record' && type.arrayDimensions === 0 && type.schema.kind !== 'named';

/**
 * Analyzes one procedure: parameter fields, result shape and columns, annotations and the SQL of its call.
 * Returns null (with diagnostics) when it cannot be generated.
 */
export function analyzeProcedure(
  procedure: Procedure,
  place: ClientPlace,
  form: CallForm,
  context: Context,
): AnalyzedProcedure | null {
  const errorsBefore = context.diagnostics.length;
  const error = (code: string, message: string, location = procedure.location) =>
    context.diagnostics.push({ severity: 'error', code, message: `${procedure.name}: ${message}`, location });
  const mapType = (type: TypeRef, what: string): TypedValue | null => {
    const mapped = context.mapper.map(type);
    // A copy: annotations refine a field's type, and the mapper shares one mapping per SQL type.
    if (!('error' in mapped)) return { ...mapped };
    error(isRecord(type) ? 'unsupported-type' : 'unknown-type', `${what}: ${mapped.error}`);
    return null;
  };

  const annotations = readAnnotations(procedure, context.diagnostics);
  const outputs = procedure.parameters.filter((parameter) => parameter.mode === 'out' || parameter.mode === 'inout');
  const shape = resultShape(procedure, outputs, context);

  const columns: ResultColumn[] = [];
  for (const source of shape.columns) {
    const type = mapType(source.type, `result column ${source.name}`);
    if (type) {
      columns.push({
        sqlName: source.name,
        property: shape.isValue ? 'value' : columnPropertyOf(source.name),
        type,
        nullable: true,
        transport: procedure.kind === 'procedure' ? 'native' : 'text',
      });
    }
  }
  const params = parameterFields(procedure, form, (type, what) => {
    if (type.name !== 'record' || type.schema.kind === 'named') return mapType(type, what);
    error('unsupported-type', `${what}: PostgreSQL has no input for an anonymous record, so no call can pass one`);
    return null;
  });
  if (context.diagnostics.length > errorsBefore) return null;

  const jsonImports = new Set<string>();
  const kind = applyAnnotations(annotations, shape.kind, columns, params, shape.isValue, error, context, jsonImports);
  checkUnique(
    columns.map((column) => column.property),
    'result columns',
    error,
  );
  checkUnique(
    params.flatMap((param) => (param.property ? [param.property] : [])),
    'parameters',
    error,
  );
  if (context.diagnostics.length > errorsBefore) return null;

  const typeArguments = typeArgumentsOf(params, columns, shape.columnList === true);
  return {
    kind: procedure.kind === 'procedure' ? 'procedure' : 'function',
    sqlName: procedure.name,
    ...place,
    doc: procedure.doc,
    params,
    result: { kind, columns, ...(shape.columnList ? { columnList: true as const } : {}) },
    ...(typeArguments.length > 0 ? { typeArguments } : {}),
    // The SQL follows the declared shape; the row-count annotations only change what the wrapper accepts.
    sql: {
      ...(shape.columnList ? columnListSql(procedure) : callSql(procedure, shape.kind, columns)),
      ...(form.named ? { named: true as const } : {}),
    },
    raises: procedure.raises,
    jsonImports: [...jsonImports],
    location: procedure.location,
  };
}

/** The generic parts of a method: the polymorphic families its values use, and a caller-given column list. */
function typeArgumentsOf(params: ParamField[], columns: ResultColumn[], columnList: boolean): TypeArgument[] {
  const used = new Set([...params, ...columns].flatMap((item) => item.type.typeParameters ?? []));
  return [
    ...(used.has('T') ? (['element'] as const) : []),
    ...(used.has('U') ? (['compatible'] as const) : []),
    ...(columnList ? (['columns'] as const) : []),
  ];
}

interface Shape {
  kind: ResultKind;
  columns: ColumnSource[];
  /** One unnamed value (scalar or single OUT parameter) rather than named columns. */
  isValue: boolean;
  /** `record` without OUT parameters: the caller gives the column definition list. */
  columnList?: true;
}

function resultShape(procedure: Procedure, outputs: Parameter[], context: Context): Shape {
  const outputColumns = () =>
    outputs.map((parameter, index) => ({ name: parameter.name ?? `column${index + 1}`, type: parameter.type }));
  const single = (type: TypeRef): ColumnSource[] => [{ name: 'value', type }];
  const returns = procedure.returns;

  if (returns.kind === 'procedure') {
    if (outputs.length === 0) return { kind: 'void', columns: [], isValue: false };
    // CALL names its result column after the OUT parameter.
    if (outputs.length === 1) return { kind: 'value', columns: outputColumns(), isValue: true };
    return { kind: 'row', columns: outputColumns(), isValue: false };
  }
  if (returns.kind === 'void') return { kind: 'void', columns: [], isValue: false };
  if (returns.kind === 'table') return { kind: 'rows', columns: returns.columns, isValue: false };
  if (returns.kind === 'setof') {
    const { name, schema, arrayDimensions } = returns.type;
    if (name === 'void' && schema.kind !== 'named' && arrayDimensions === 0) {
      return { kind: 'void', columns: [], isValue: false };
    }
    if (isRecord(returns.type)) {
      if (outputs.length === 0) return { kind: 'rows', columns: [], isValue: false, columnList: true };
      return { kind: 'rows', columns: outputColumns(), isValue: false };
    }
    const row = rowTypeOf(returns.type, context);
    if (row) return { kind: 'rows', columns: row, isValue: false };
    return { kind: 'values', columns: single(returns.type), isValue: true };
  }
  if (isRecord(returns.type)) {
    if (outputs.length === 0) return { kind: 'row', columns: [], isValue: false, columnList: true };
    if (outputs.length === 1) return { kind: 'value', columns: single(outputs[0]!.type), isValue: true };
    return { kind: 'row', columns: outputColumns(), isValue: false };
  }
  return { kind: 'value', columns: single(returns.type), isValue: true };
}

/** The attributes of a row type (composite, table, view) the result is a set of, or undefined for other types. */
function rowTypeOf(type: TypeRef, context: Context): ColumnSource[] | undefined {
  if (type.arrayDimensions > 0) return undefined;
  const mapped = context.mapper.map(type);
  if ('error' in mapped || mapped.value.kind !== 'composite') return undefined;
  const declared = context.mapper.used.get(mapped.value.typeName);
  if (!declared || declared.kind === 'enum') return undefined;
  const row = rowAttributes(declared, context.placeholder);
  return 'error' in row ? undefined : row.attributes;
}

/**
 * Parameter fields in call order. A function's call takes its IN, INOUT and VARIADIC parameters; a procedure's CALL
 * takes every parameter, its OUT ones as NULL. A parameter with a default is optional only when every later argument
 * can be passed by name (named notation needs names), so leaving it out never shifts a later value.
 */
function parameterFields(
  procedure: Procedure,
  form: CallForm,
  mapType: (type: TypeRef, what: string) => TypedValue | null,
): ParamField[] {
  const arguments_ = procedure.parameters
    .map((parameter, index) => ({ parameter, position: index + 1 }))
    .filter(({ parameter }) => procedure.kind === 'procedure' || isInput(parameter));
  const fields: ParamField[] = [];
  arguments_.forEach(({ parameter, position }, index) => {
    const what = `parameter ${parameter.name ?? `$${position}`}`;
    const type = mapType(parameter.type, what);
    if (!type) return;
    const isOut = !isInput(parameter);
    const laterAllNamed = arguments_.slice(index + 1).every((later) => later.parameter.name !== null);
    fields.push({
      sqlName: parameter.name,
      property: isOut ? null : parameter.name ? parameterPropertyOf(parameter.name) : `arg${position}`,
      type,
      optional: !isOut && parameter.hasDefault && laterAllNamed && !form.required.has(position - 1),
      nullable: true,
      variadic: parameter.mode === 'variadic',
    });
  });
  return fields;
}

function applyAnnotations(
  annotations: Annotations,
  kind: ResultKind,
  columns: ResultColumn[],
  params: ParamField[],
  isValue: boolean,
  error: (code: string, message: string, location?: Annotations['singleRow'] & object) => void,
  context: Context,
  jsonImports: Set<string>,
): ResultKind {
  let result = kind;
  if (annotations.singleRow) {
    if (kind === 'rows') result = 'optional-row';
    else if (kind === 'values') result = 'optional-value';
    else {
      error(
        'bad-annotation',
        `@single-row does not apply: the result is ${describeKind(kind)}, not a set of rows`,
        annotations.singleRow,
      );
    }
  }
  // After @single-row, which it implies: a procedure may carry both when an annotation added later says more.
  if (annotations.exactlyOneRow) {
    if (kind === 'rows') result = 'row';
    else if (kind === 'values') result = 'value';
    else {
      error(
        'bad-annotation',
        `@exactly-one-row does not apply: the result is ${describeKind(kind)}, not a set of rows`,
        annotations.exactlyOneRow,
      );
    }
  }
  for (const { name, location } of annotations.required) {
    const param = params.find((candidate) => candidate.sqlName === name);
    if (!param) {
      const known = params.flatMap((candidate) => (candidate.property === null ? [] : (candidate.sqlName ?? [])));
      error(
        'bad-annotation',
        `@required ${name}: no parameter named ${name} (parameters: ${known.join(', ') || 'none'})`,
        location,
      );
    } else if (param.property === null) {
      error('bad-annotation', `@required ${name}: an OUT parameter takes no argument`, location);
    } else param.nullable = false;
  }
  if (annotations.notNullAll) {
    if (kind === 'void')
      error('bad-annotation', '@not-null does not apply: the result is void', annotations.notNullAll);
    for (const column of columns) column.nullable = false;
  }
  for (const { name, location } of annotations.notNull) {
    if (isValue) {
      error(
        'bad-annotation',
        `@not-null ${name}: the result is a single value; write @not-null without names`,
        location,
      );
      continue;
    }
    const column = columns.find((candidate) => candidate.sqlName === name);
    if (column) column.nullable = false;
    else
      error(
        'bad-annotation',
        `@not-null ${name}: no result column named ${name} (columns: ${namesOf(columns)})`,
        location,
      );
  }
  for (const json of annotations.json) {
    const targets: TypedValue[] = [];
    if (isValue && json.name === jsonReturnName) targets.push(columns[0]!.type);
    for (const column of columns) if (!isValue && column.sqlName === json.name) targets.push(column.type);
    for (const param of params) if (param.sqlName === json.name) targets.push(param.type);
    if (targets.length === 0) {
      const known = [
        ...(isValue ? [jsonReturnName] : columns.map((column) => column.sqlName)),
        ...params.flatMap((p) => p.sqlName ?? []),
      ];
      error(
        'bad-annotation',
        `@json ${json.name}: no parameter or result column named ${json.name} (known: ${known.join(', ')})`,
        json.location,
      );
      continue;
    }
    for (const target of targets) {
      const element = target.value.kind === 'array' ? target.value.element : target.value;
      if (element.kind !== 'scalar' || element.codec !== 'json') {
        error(
          'bad-annotation',
          `@json ${json.name} does not apply: its type is ${target.sqlType.filter((part) => typeof part === 'string').join('')}, not json or jsonb`,
          json.location,
        );
        continue;
      }
      const dimensions = target.value.kind === 'array' ? target.value.dimensions : 0;
      const tsType = dimensions > 0 ? `(${json.typeText})${'[]'.repeat(dimensions)}` : json.typeText;
      Object.assign(target, {
        tsInput: dimensions > 0 ? `readonly ${tsType}` : tsType,
        tsOutput: tsType,
        asserted: true,
      });
    }
    if (json.imports.length > 0 && context.jsonTypesModule === null) {
      error(
        'bad-annotation',
        `@json ${json.name}: the type uses ${json.imports.join(', ')}, but no jsonTypesModule is configured to import it from`,
        json.location,
      );
    }
    for (const name of json.imports) jsonImports.add(name);
  }
  return result;
}

function describeKind(kind: ResultKind): string {
  return {
    rows: 'a set of rows',
    'optional-row': 'at most one row',
    row: 'exactly one row (OUT parameters)',
    values: 'a set of values',
    'optional-value': 'at most one value',
    value: 'a single value',
    void: 'void',
  }[kind];
}

function namesOf(columns: ResultColumn[]): string {
  return columns.map((column) => column.sqlName).join(', ') || 'none';
}

function checkUnique(properties: string[], what: string, error: (code: string, message: string) => void): void {
  const seen = new Set<string>();
  for (const property of properties) {
    if (seen.has(property))
      error('name-collision', `two ${what} map to the TypeScript property ${property}; rename one`);
    seen.add(property);
  }
}

/** Only the call: the runtime wraps it in the SELECT with the column definition list the caller gives. */
function columnListSql(procedure: Procedure): { head: SqlPart[]; tail: string } {
  return { head: [...schemaParts(procedure.schema), `.${quoteIdentifier(procedure.name)}(`], tail: ')' };
}

/** The SQL around the argument list. Result values whose driver parsing is lossy or driver-dependent are cast to text. */
function callSql(procedure: Procedure, kind: ResultKind, columns: ResultColumn[]): { head: SqlPart[]; tail: string } {
  const callee: SqlPart[] = [...schemaParts(procedure.schema), `.${quoteIdentifier(procedure.name)}(`];
  const asText = (expression: string, column: ResultColumn) =>
    column.transport === 'text' && column.type.viaText ? `${expression}::text` : expression;
  if (procedure.kind === 'procedure') return { head: ['CALL ', ...callee], tail: ')' };
  switch (kind) {
    case 'void':
      return { head: ['SELECT ', ...callee], tail: ')' };
    case 'value':
      return { head: ['SELECT ', ...callee], tail: `)${columns[0]!.type.viaText ? '::text' : ''} AS "value"` };
    case 'values':
    case 'optional-value':
      return {
        head: [`SELECT ${asText('t."value"', columns[0]!)} AS "value" FROM `, ...callee],
        tail: ') AS t("value")',
      };
    default: {
      const [only] = columns;
      if (columns.length === 1 && only!.type.value.kind === 'scalar' && only!.type.value.codec === 'record') {
        // One anonymous record column makes the function return plain `record`, which PostgreSQL only expands in
        // FROM with a column definition list; in the select list it is one value.
        return { head: ['SELECT ', ...callee], tail: `)::text AS ${quoteIdentifier(only!.sqlName)}` };
      }
      const list = columns
        .map((column) => {
          const quoted = quoteIdentifier(column.sqlName);
          const selected = asText(quoted, column);
          return selected === quoted ? quoted : `${selected} AS ${quoted}`;
        })
        .join(', ');
      return { head: [`SELECT ${list} FROM `, ...callee], tail: ')' };
    }
  }
}
