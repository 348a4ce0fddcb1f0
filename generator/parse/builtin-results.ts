import {
  arrayOf,
  builtinName,
  builtinType,
  commonType,
  elementOf,
  isInteger,
  isNumeric,
  numericResult,
  unknown,
  withoutModifiers,
  type Inferred,
} from './inferred-type.js';

/**
 * Result types of the built-in functions and operators a view's query commonly uses, as PostgreSQL resolves them.
 * A function or operator not listed here makes its column's type unknown (and `--catalog` can read it).
 */
type Rule = (args: Inferred[]) => Inferred;

const fixed =
  (name: string, arrayDimensions = 0): Rule =>
  () =>
    builtinType(name, arrayDimensions);
const firstArgument: Rule = (args) => withoutModifiers(args[0] ?? unknown('no argument'));
const common: Rule = (args) => commonType(args);

/** `round(int)` is round(double precision): integers take the float8 variant of the math functions. */
const mathFunction: Rule = (args) => {
  const name = builtinName(args[0] ?? unknown(''));
  if (name === 'numeric') return builtinType('numeric');
  if (isNumeric(name) || (args[0] && 'literal' in args[0])) return builtinType('float8');
  return unknown(`the math function's argument type`);
};

const sum: Rule = ([arg]) => {
  const name = builtinName(arg ?? unknown(''));
  if (name === 'int2' || name === 'int4') return builtinType('int8');
  if (name === 'int8' || name === 'numeric') return builtinType('numeric');
  if (name === 'float4' || name === 'float8' || name === 'interval' || name === 'money') return builtinType(name);
  return unknown('sum of this argument type');
};

const average: Rule = ([arg]) => {
  const name = builtinName(arg ?? unknown(''));
  if (isInteger(name) || name === 'numeric') return builtinType('numeric');
  if (name === 'float4' || name === 'float8') return builtinType('float8');
  if (name === 'interval') return builtinType('interval');
  return unknown('the average of this argument type');
};

const textOrBytea: Rule = ([arg]) =>
  builtinName(arg ?? unknown('')) === 'bytea' ? fixed('bytea')([]) : builtinType('text');

/** date_trunc keeps timestamp, timestamptz and interval; a date becomes timestamptz. */
const dateTrunc: Rule = (args) => {
  const name = builtinName(args[1] ?? unknown(''));
  if (name === 'timestamp' || name === 'interval') return builtinType(name);
  return builtinType('timestamptz');
};

const generateSeries: Rule = (args) => {
  const type = commonType(args.slice(0, 2));
  const name = builtinName(type);
  return name === 'date' ? builtinType('timestamptz') : type;
};

/** The same rule for each of the space-separated names. */
const each = (rule: Rule, names: string): Record<string, Rule> =>
  Object.fromEntries(names.split(' ').map((name) => [name, rule]));

const functions: Record<string, Rule> = {
  // Text.
  ...each(
    fixed('text'),
    'lower upper initcap btrim ltrim rtrim substr replace regexp_replace regexp_substr concat concat_ws ' +
      'format left right lpad rpad repeat reverse md5 to_char quote_ident quote_literal quote_nullable ' +
      'translate split_part chr encode array_to_string jsonb_typeof json_typeof to_hex current_setting ' +
      'jsonb_pretty host text normalize unistr jsonb_extract_path_text json_extract_path_text ' +
      'json_array_elements_text jsonb_array_elements_text pg_get_userbyid',
  ),
  substring: textOrBytea,
  overlay: textOrBytea,
  string_agg: textOrBytea,
  // Integers.
  ...each(
    fixed('int4'),
    'length char_length character_length octet_length bit_length position strpos array_length array_upper ' +
      'array_lower array_ndims cardinality ascii width_bucket ntile pg_column_size array_position ' +
      'regexp_count regexp_instr jsonb_array_length json_array_length',
  ),
  ...each(fixed('int8'), 'count row_number rank dense_rank nextval currval lastval txid_current'),
  // Other numbers.
  extract: fixed('numeric'),
  date_part: fixed('float8'),
  random: fixed('float8'),
  percent_rank: fixed('float8'),
  cume_dist: fixed('float8'),
  pi: fixed('float8'),
  ...each(mathFunction, 'round ceil ceiling floor trunc sqrt exp ln log log10 sign cbrt power pow'),
  abs: firstArgument,
  mod: common,
  sum,
  avg: average,
  stddev: average,
  stddev_samp: average,
  stddev_pop: average,
  variance: average,
  var_samp: average,
  var_pop: average,
  // Booleans.
  ...each(
    fixed('bool'),
    'bool_and bool_or every isfinite starts_with regexp_like jsonb_path_exists pg_try_advisory_lock ' +
      'pg_try_advisory_xact_lock has_table_privilege has_schema_privilege has_function_privilege ' +
      'pg_has_role jsonb_path_match',
  ),
  // Dates and times.
  ...each(
    fixed('timestamptz'),
    'now transaction_timestamp statement_timestamp clock_timestamp to_timestamp make_timestamptz',
  ),
  timeofday: fixed('text'),
  make_timestamp: fixed('timestamp'),
  to_date: fixed('date'),
  make_date: fixed('date'),
  age: fixed('interval'),
  make_interval: fixed('interval'),
  justify_days: fixed('interval'),
  justify_hours: fixed('interval'),
  justify_interval: fixed('interval'),
  make_time: fixed('time'),
  date_trunc: dateTrunc,
  date_bin: (args) => withoutModifiers(args[1] ?? unknown('no argument')),
  timezone: (args) => {
    const name = builtinName(args[1] ?? unknown(''));
    if (name === 'timestamptz') return builtinType('timestamp');
    if (name === 'timestamp') return builtinType('timestamptz');
    if (name === 'timetz' || name === 'time') return builtinType('timetz');
    return unknown('AT TIME ZONE of this argument type');
  },
  // Identifiers.
  gen_random_uuid: fixed('uuid'),
  uuid_generate_v4: fixed('uuid'),
  uuidv4: fixed('uuid'),
  uuidv7: fixed('uuid'),
  // JSON.
  ...each(
    fixed('json'),
    'to_json json_build_object json_build_array json_agg json_object_agg row_to_json array_to_json ' +
      'json_object json_extract_path json_array_elements json_strip_nulls',
  ),
  ...each(
    fixed('jsonb'),
    'to_jsonb jsonb_build_object jsonb_build_array jsonb_agg jsonb_object_agg jsonb_set jsonb_insert ' +
      'jsonb_strip_nulls jsonb_path_query_first jsonb_object jsonb_set_lax jsonb_extract_path ' +
      'jsonb_array_elements jsonb_path_query jsonb_path_query_array',
  ),
  // Arrays and sets.
  regexp_split_to_array: fixed('text', 1),
  string_to_array: fixed('text', 1),
  regexp_match: fixed('text', 1),
  regexp_matches: fixed('text', 1),
  regexp_split_to_table: fixed('text'),
  string_to_table: fixed('text'),
  array_agg: ([arg]) => arrayOf(arg ?? unknown('no argument')),
  unnest: ([arg]) => elementOf(arg ?? unknown('no argument')),
  array_append: firstArgument,
  array_prepend: (args) => withoutModifiers(args[1] ?? unknown('no argument')),
  array_cat: common,
  array_remove: firstArgument,
  array_replace: firstArgument,
  generate_series: generateSeries,
  generate_subscripts: fixed('int4'),
  // Value-preserving aggregates and window functions.
  min: firstArgument,
  max: firstArgument,
  any_value: firstArgument,
  // Ordered-set aggregates: the ordered value comes last (see ExpressionTyper.functionCall).
  mode: (args) => withoutModifiers(args.at(-1) ?? unknown('no argument')),
  percentile_disc: (args) => {
    const ordered = withoutModifiers(args.at(-1) ?? unknown('no argument'));
    return args[0] && 'type' in args[0] && args[0].type.arrayDimensions > 0 ? arrayOf(ordered) : ordered;
  },
  percentile_cont: (args) => {
    const ordered = builtinName(args.at(-1) ?? unknown('')) === 'interval' ? 'interval' : 'float8';
    return builtinType(ordered, args[0] && 'type' in args[0] && args[0].type.arrayDimensions > 0 ? 1 : 0);
  },
  lag: firstArgument,
  lead: firstArgument,
  first_value: firstArgument,
  last_value: firstArgument,
  nth_value: firstArgument,
  // Networks and misc.
  inet_client_addr: fixed('inet'),
  inet_server_addr: fixed('inet'),
  pg_backend_pid: fixed('int4'),
  version: fixed('text'),
  current_database: fixed('name'),
  current_schema: fixed('name'),
  current_user: fixed('name'),
  session_user: fixed('name'),
  to_tsvector: fixed('tsvector'),
  to_tsquery: fixed('tsquery'),
  plainto_tsquery: fixed('tsquery'),
  phraseto_tsquery: fixed('tsquery'),
  websearch_to_tsquery: fixed('tsquery'),
  setweight: fixed('tsvector'),
  ts_rank: fixed('float4'),
  ts_rank_cd: fixed('float4'),
  ts_headline: fixed('text'),
  decode: fixed('bytea'),
  sha256: fixed('bytea'),
  digest: fixed('bytea'),
  pg_typeof: fixed('regtype'),
};

/** Null when the function is not a built-in the generator knows. `arguments` have literals still unresolved. */
export function builtinFunctionResult(name: string, args: Inferred[]): Inferred | null {
  const rule = Object.hasOwn(functions, name) ? functions[name] : undefined;
  return rule ? rule(args) : null;
}

const booleanOperators = new Set([
  '=',
  '<>',
  '!=',
  '<',
  '>',
  '<=',
  '>=',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  '~',
  '~*',
  '!~',
  '!~*',
  '@>',
  '<@',
  '&&',
  '?',
  '?|',
  '?&',
  '@@',
  '@?',
  '^@',
  '<<',
  '>>',
  '&<',
  '&>',
  '-|-',
]);

/** [left, right, result] for date and time arithmetic. */
const dateTimeArithmetic: [string, string, string, string][] = [
  ['date', '+', 'int4', 'date'],
  ['int4', '+', 'date', 'date'],
  ['date', '-', 'int4', 'date'],
  ['date', '-', 'date', 'int4'],
  ['date', '+', 'interval', 'timestamp'],
  ['interval', '+', 'date', 'timestamp'],
  ['date', '-', 'interval', 'timestamp'],
  ['date', '+', 'time', 'timestamp'],
  ['time', '+', 'date', 'timestamp'],
  ['date', '+', 'timetz', 'timestamptz'],
  ['timestamp', '+', 'interval', 'timestamp'],
  ['interval', '+', 'timestamp', 'timestamp'],
  ['timestamp', '-', 'interval', 'timestamp'],
  ['timestamp', '-', 'timestamp', 'interval'],
  ['timestamptz', '+', 'interval', 'timestamptz'],
  ['interval', '+', 'timestamptz', 'timestamptz'],
  ['timestamptz', '-', 'interval', 'timestamptz'],
  ['timestamptz', '-', 'timestamptz', 'interval'],
  ['time', '+', 'interval', 'time'],
  ['time', '-', 'interval', 'time'],
  ['time', '-', 'time', 'interval'],
  ['timetz', '+', 'interval', 'timetz'],
  ['timetz', '-', 'interval', 'timetz'],
  ['interval', '+', 'interval', 'interval'],
  ['interval', '-', 'interval', 'interval'],
  ['interval', '*', 'float8', 'interval'],
  ['float8', '*', 'interval', 'interval'],
  ['interval', '/', 'float8', 'interval'],
];

/** Implicit conversions that make an operator above apply (an integer to float8, a date to timestamp). */
function widenings(name: string): string[] {
  if (isNumeric(name)) return [name, 'float8', 'int4'].filter((each, index, all) => all.indexOf(each) === index);
  if (name === 'date') return ['date', 'timestamp', 'timestamptz'];
  if (name === 'timestamp') return ['timestamp', 'timestamptz'];
  return [name];
}

function dateTimeResult(left: string, operator: string, right: string): string | null {
  for (const leftName of widenings(left)) {
    for (const rightName of widenings(right)) {
      const match = dateTimeArithmetic.find(([l, op, r]) => l === leftName && op === operator && r === rightName);
      if (match) return match[3];
    }
  }
  return null;
}

/**
 * The result of a built-in operator; `left` is null for a prefix operator. Untyped literals take the other
 * operand's type, as PostgreSQL resolves them.
 */
export function builtinOperatorResult(operator: string, left: Inferred | null, right: Inferred): Inferred {
  if (booleanOperators.has(operator)) return builtinType('bool');
  if (left === null) {
    if (operator === '-' || operator === '+' || operator === '@') return withoutModifiers(right);
    if (operator === '|/' || operator === '||/') return builtinType('float8');
    return unknown(`the prefix operator ${operator}`);
  }
  const problem = [left, right].find((operand) => 'unknown' in operand);
  if (problem) return problem;
  const leftType = 'literal' in left ? right : left;
  const rightType = 'literal' in right ? left : right;
  const leftName = builtinName(leftType);
  const rightName = builtinName(rightType);
  if (operator === '||') {
    for (const operand of [left, right])
      if ('type' in operand && operand.type.arrayDimensions > 0) return withoutModifiers(operand);
    if (leftName === 'jsonb' || leftName === 'bytea' || leftName === 'tsvector' || leftName === 'tsquery')
      return builtinType(leftName);
    return builtinType('text');
  }
  if (leftName === 'jsonb' || leftName === 'json') {
    if (operator === '->>' || operator === '#>>') return builtinType('text');
    if (operator === '->' || operator === '#>' || operator === '-' || operator === '#-') return builtinType(leftName);
  }
  if (operator === '^') {
    return leftName === 'numeric' || rightName === 'numeric' ? builtinType('numeric') : builtinType('float8');
  }
  if (['+', '-', '*', '/', '%'].includes(operator)) {
    if (isNumeric(leftName) && isNumeric(rightName)) return builtinType(numericResult(leftName, rightName));
    if (leftName !== null && rightName !== null) {
      const result = dateTimeResult(leftName, operator, rightName);
      if (result) return builtinType(result);
    }
  }
  return unknown(`the operator ${describeOperand(left)} ${operator} ${describeOperand(right)}`);
}

function describeOperand(operand: Inferred): string {
  if ('type' in operand) return operand.type.name + '[]'.repeat(operand.type.arrayDimensions);
  return 'literal' in operand ? 'unknown' : '?';
}
