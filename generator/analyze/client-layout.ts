import type { GeneratorConfig } from '../config/schema.js';
import type { Diagnostic, Procedure } from '../model/types.js';
import { installedSchemaKey } from './installed-schema.js';
import { camelCase, methodNameOf, pascalCase } from './naming.js';
import { assignMethodNames } from './overloads.js';

/**
 * Where a routine's method sits on the client. `namespace`: the client property holding it (`db.app.getUser`), null
 * for the client itself; `typeName`: the prefix of its exported type names, unique in the module; `key`: its name in
 * the module's tables (`getUser`, `app.getUser`), what `isProcedureError` takes.
 */
export interface ClientPlace {
  namespace: string | null;
  methodName: string;
  typeName: string;
  key: string;
}

/**
 * Lays the methods out. Routines of one schema make a flat client. Routines of several schemas (the same name may
 * exist in each) keep the tenant schema's routines (`{schema}`, or unqualified) on the client itself and put each
 * named schema's on a client of its own, `db.<schema>.<method>` (`schemaNaming: "nested"`), or prefix their method
 * names with the schema (`db.appGetUser`, `schemaNaming: "prefixed"`).
 */
export function clientPlaces(
  procedures: readonly Procedure[],
  config: Pick<GeneratorConfig, 'placeholder' | 'schemaNaming'>,
  diagnostics: Diagnostic[],
): Map<Procedure, ClientPlace> {
  const groups = new Map<string, Procedure[]>();
  for (const procedure of procedures) {
    const key = installedSchemaKey(procedure.schema);
    groups.set(key, [...(groups.get(key) ?? []), procedure]);
  }
  const places = new Map<Procedure, ClientPlace>();
  const schemaOf = (procedure: Procedure) => (procedure.schema.kind === 'named' ? procedure.schema.name : null);
  if (groups.size <= 1 || config.schemaNaming === 'prefixed') {
    const several = groups.size > 1;
    const names = assignMethodNames(procedures, diagnostics, config.placeholder, (procedure) => {
      const schema = schemaOf(procedure);
      const base = methodNameOf(procedure.name);
      return several && schema !== null ? camelCase(`${schema}_${base}`) : base;
    });
    for (const [procedure, methodName] of names) {
      places.set(procedure, { namespace: null, methodName, typeName: pascalCase(methodName), key: methodName });
    }
    return places;
  }
  for (const group of groups.values()) {
    const schema = schemaOf(group[0]!);
    const namespace = schema === null ? null : camelCase(schema);
    for (const [procedure, methodName] of assignMethodNames(group, diagnostics, config.placeholder)) {
      places.set(procedure, {
        namespace,
        methodName,
        typeName: `${namespace === null ? '' : pascalCase(namespace)}${pascalCase(methodName)}`,
        key: namespace === null ? methodName : `${namespace}.${methodName}`,
      });
    }
  }
  return places;
}
