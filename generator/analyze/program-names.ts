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

export const enumNames = (typeName: string) => ({
  type: typeName,
  labels: `${typeName.charAt(0).toLowerCase()}${typeName.slice(1)}Labels`,
  decode: `decode${typeName}`,
  encode: `encode${typeName}`,
});

export const compositeNames = (typeName: string) => ({
  type: typeName,
  input: `${typeName}Input`,
  decode: `decode${typeName}`,
  encode: `encode${typeName}`,
});

/** Declared by every generated module. */
export const fixedModuleNames = ['SOURCE_FINGERPRINT', 'createClient', 'Client', 'ClientOptions', 'calls'];

/** Members of every client besides the procedure methods. */
export const fixedClientMembers = ['fingerprint', 'checkFingerprint', 'assertFingerprint'];
