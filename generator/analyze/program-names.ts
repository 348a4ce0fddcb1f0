/**
 * Names of everything the generated module declares, derived from the analyzed names. Emit declares them and
 * analyze checks they do not collide, both through these functions.
 */
export const procedureNames = (typeName: string) => ({
  params: `${typeName}Params`,
  row: `${typeName}Row`,
  sqlState: `${typeName}SqlState`,
  decodeRow: `decode${typeName}Row`,
});

const lowerFirst = (name: string) => `${name.charAt(0).toLowerCase()}${name.slice(1)}`;

/** `pgType` is the runtime type (`PgType`) a caller passes to a generic method, e.g. `{ element: moodType }`. */
export const enumNames = (typeName: string) => ({
  type: typeName,
  labels: `${lowerFirst(typeName)}Labels`,
  decode: `decode${typeName}`,
  encode: `encode${typeName}`,
  pgType: `${lowerFirst(typeName)}Type`,
});

export const compositeNames = (typeName: string) => ({
  type: typeName,
  input: `${typeName}Input`,
  decode: `decode${typeName}`,
  encode: `encode${typeName}`,
  pgType: `${lowerFirst(typeName)}Type`,
});

/** The SQLSTATE guard every generated module declares: the method → union map, its table and the guard itself. */
export const sqlStateGuardNames = { map: 'ProcedureSqlStates', table: 'raisedSqlStates', guard: 'isProcedureError' };

/** Declared by every generated module, or imported by it from the runtime under these names. */
export const fixedModuleNames = [
  'SOURCE_FINGERPRINT',
  'createClient',
  'Client',
  'ClientOptions',
  'calls',
  ...Object.values(sqlStateGuardNames),
  'ProcedureError',
  'RaisedSqlStates',
];

/** Members of every client besides the procedure methods. */
export const fixedClientMembers = ['fingerprint', 'checkFingerprint', 'assertFingerprint'];
