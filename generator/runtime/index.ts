/**
 * Runtime helpers imported by generated clients. Kept free of Node-only modules; the schema placeholder
 * substitution and the fingerprint computation the generator and the migration runner share live in
 * `./schema-sources.js` (Node-only, imported directly).
 */
export type { Queryable } from './queryable.js';
export { quoteIdentifier } from './quote-identifier.js';
export {
  ProcedureError,
  ProcedureValueError,
  type ValueErrorSqlState,
  isRetryableSqlState,
  toProcedureError,
  isRaisedSqlState,
  type RaisedSqlStates,
} from './procedure-error.js';
export { isSqlState } from './sqlstate.js';
export * from './decoders.js';
export * from './encoders.js';
export * from './ranges.js';
export * from './geometry.js';
export {
  bindArguments,
  invoke,
  atMostOneRow,
  exactlyOneRow,
  decodeColumns,
  type ArgumentSpec,
  type CallSpec,
  type CallContext,
} from './call.js';
export {
  pgType,
  pgTypes,
  arrayType,
  polymorphicDecoder,
  polymorphicArgument,
  type PgType,
  type ColumnsRow,
  type ValueOf,
  type PolymorphicForm,
} from './pg-types.js';
export {
  compareFingerprints,
  readFingerprint,
  assertFingerprint,
  FingerprintMismatchError,
  type FingerprintCheck,
} from './fingerprint-check.js';
export {
  parseArrayLiteral,
  parseRecordLiteral,
  formatArrayLiteral,
  formatRecordLiteral,
  LiteralSyntaxError,
} from './postgres-literals.js';
export {
  parseRangeLiteral,
  parseMultirangeLiteral,
  formatRangeLiteral,
  formatMultirangeLiteral,
  type RangeLiteral,
} from './range-literals.js';
