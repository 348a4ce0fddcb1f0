import type { GeneratorConfig } from '../config/schema.js';
import type { Column, Diagnostic, EnumType, Model } from '../model/types.js';
import { rowAttributes, type RowType } from './row-types.js';
import { quoteIdentifier } from '../runtime/quote-identifier.js';
import { analyzeProcedure } from './analyze-procedure.js';
import { describeRoutine } from '../model/describe.js';
import { includeFilter } from './include-filter.js';
import { leftOutReason } from './left-out.js';
import { columnPropertyOf } from './naming.js';
import { callForms } from './call-forms.js';
import { clientPlaces } from './client-layout.js';
import type { AnalyzedComposite, AnalyzedEnum, AnalyzedProcedure, AnalyzedProgram, TypedValue } from './program.js';
import { compositeNames, enumNames, fixedClientMembers, fixedModuleNames, procedureNames } from './program-names.js';
import { schemaParts, TypeMapper } from './type-mapping.js';

export type * from './program.js';
export { includeFilter } from './include-filter.js';
export * from './program-names.js';

/**
 * Decides everything the emit stage prints: which procedures (config.include), their TypeScript names and types,
 * result shapes and call SQL. Problems are returned as diagnostics (errors mean: do not emit); a procedure with an
 * error is left out of the program so the others can still be checked.
 */
export function analyze(
  model: Model,
  config: GeneratorConfig,
): { program: AnalyzedProgram; diagnostics: Diagnostic[] } {
  const diagnostics: Diagnostic[] = [];
  const included = model.procedures.filter((procedure) => includeFilter(config.include)(procedure.name));
  const callable = included.filter((procedure) => {
    const reason = leftOutReason(procedure);
    if (reason === null) return true;
    diagnostics.push({
      severity: 'info',
      code: 'left-out',
      message: `${describeRoutine(procedure, config.placeholder)} has no client method: ${reason}`,
      location: procedure.location,
    });
    return false;
  });
  const forms = callForms(callable, included, diagnostics, config.placeholder);
  const reachable = callable.filter((procedure) => forms.has(procedure));
  const places = clientPlaces(reachable, config, diagnostics);
  const mapper = new TypeMapper(config, model.types);
  const context = { mapper, placeholder: config.placeholder, diagnostics, jsonTypesModule: config.jsonTypesModule };

  const procedures: AnalyzedProcedure[] = [];
  for (const procedure of reachable) {
    const place = places.get(procedure);
    if (place === undefined) continue;
    const analyzed = analyzeProcedure(procedure, place, forms.get(procedure)!, context);
    if (analyzed) procedures.push(analyzed);
  }

  // A generic method takes any enum of the schema (anyenum, anyelement): every enum gets its runtime type.
  if (procedures.some((procedure) => procedure.typeArguments?.some((argument) => argument !== 'columns'))) {
    for (const type of model.types) {
      if (type.kind === 'enum') mapper.map({ schema: type.schema, name: type.name, arrayDimensions: 0, modifiers: [] });
    }
  }
  const enums: AnalyzedEnum[] = [];
  const composites: AnalyzedComposite[] = [];
  for (const [typeName, declared] of mapper.used) {
    if (declared.kind === 'enum') enums.push(enumOf(typeName, declared));
    else composites.push(compositeOf(typeName, declared, mapper, config.placeholder));
  }

  const named = withDeclaredNames(procedures, enums, composites, model, diagnostics);

  const program: AnalyzedProgram = {
    procedures: named,
    enums,
    composites,
    // Only those of the procedures generated: an import nothing uses fails projects compiled with noUnusedLocals.
    jsonTypeImports: [...new Set(named.flatMap((procedure) => procedure.jsonImports))].sort(),
    jsonTypesModule: config.jsonTypesModule,
    runtimeImport: config.runtimeImport,
    fingerprintFunction: config.fingerprintFunction === null ? null : quoteIdentifier(config.fingerprintFunction),
  };
  return { program, diagnostics };
}

const userTypeSql = (declared: EnumType | RowType) => [
  ...schemaParts(declared.schema),
  `.${quoteIdentifier(declared.name)}`,
];

function enumOf(typeName: string, declared: EnumType): AnalyzedEnum {
  return { typeName, sqlName: declared.name, sqlType: userTypeSql(declared), labels: declared.values };
}

function compositeOf(typeName: string, declared: RowType, mapper: TypeMapper, placeholder: string): AnalyzedComposite {
  // Known to succeed: the mapper records a row type as used only once its attributes are mapped.
  const { attributes } = rowAttributes(declared, placeholder) as { attributes: Column[] };
  return {
    typeName,
    inputTypeName: compositeNames(typeName).input,
    sqlName: declared.name,
    sqlKind: declared.kind,
    sqlType: userTypeSql(declared),
    attributes: attributes.map((attribute) => ({
      sqlName: attribute.name,
      property: columnPropertyOf(attribute.name),
      type: mapper.map(attribute.type) as TypedValue,
    })),
  };
}

/**
 * Every module-level name and client member must be unique, or the generated file would not compile. A procedure
 * whose names are taken is left out; types that collide with each other block the output (`blocking`). Returns the
 * procedures that keep their names.
 */
function withDeclaredNames(
  procedures: AnalyzedProcedure[],
  enums: AnalyzedEnum[],
  composites: AnalyzedComposite[],
  model: Model,
  diagnostics: Diagnostic[],
): AnalyzedProcedure[] {
  const owners = new Map<string, string>(fixedModuleNames.map((name) => [name, 'the generated module']));
  const taken = (name: string, owner: string) => {
    const existing = owners.get(name);
    return existing !== undefined && existing !== owner ? existing : null;
  };
  const collision = (owner: string, existing: string, name: string, location: Diagnostic['location']): Diagnostic => ({
    severity: 'error',
    code: 'name-collision',
    message: `${owner} and ${existing} both need the TypeScript name ${name}; rename one`,
    location,
  });
  const claim = (name: string, owner: string, location: Diagnostic['location']) => {
    const existing = taken(name, owner);
    if (existing !== null) diagnostics.push({ ...collision(owner, existing, name, location), blocking: true });
    owners.set(name, owner);
  };
  const typeLocation = (sqlName: string) =>
    model.types.find((type) => type.name === sqlName)?.location ?? { file: '', line: 1, column: 1 };
  for (const item of enums) {
    for (const name of Object.values(enumNames(item.typeName)))
      claim(name, `type ${item.sqlName}`, typeLocation(item.sqlName));
  }
  for (const item of composites) {
    for (const name of Object.values(compositeNames(item.typeName)))
      claim(name, `type ${item.sqlName}`, typeLocation(item.sqlName));
  }
  // Members of the client itself (its fixed ones, top-level methods, the per-schema clients) and of each of those.
  const members = new Map<string, string>(fixedClientMembers.map((name) => [name, 'the client']));
  const member = (path: string, owner: string, location: Diagnostic['location']) => {
    const existing = members.get(path);
    if (existing === undefined || existing === owner) return true;
    diagnostics.push({
      severity: 'error',
      code: 'name-collision',
      message: `${owner} and ${existing} both need the client member ${path}; rename one`,
      location,
    });
    return false;
  };
  return procedures.filter((procedure) => {
    const owner = `function ${procedure.sqlName}`;
    const names = Object.values(procedureNames(procedure.typeName));
    const takenName = names.find((name) => taken(name, owner) !== null);
    if (takenName !== undefined) {
      diagnostics.push(collision(owner, taken(takenName, owner)!, takenName, procedure.location));
      return false;
    }
    const namespaceOwner = `the client of schema ${procedure.namespace}`;
    if (procedure.namespace !== null && !member(procedure.namespace, namespaceOwner, procedure.location)) return false;
    if (!member(procedure.key, owner, procedure.location)) return false;
    for (const name of names) owners.set(name, owner);
    if (procedure.namespace !== null) members.set(procedure.namespace, namespaceOwner);
    members.set(procedure.key, owner);
    return true;
  });
}
