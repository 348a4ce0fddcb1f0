import { ts } from 'ts-morph';

/** Global TypeScript types an `@json` type may use without importing them. */
const globalTypes = new Set([
  'Array',
  'ReadonlyArray',
  'Record',
  'Partial',
  'Required',
  'Readonly',
  'Pick',
  'Omit',
  'Exclude',
  'Extract',
  'NonNullable',
  'Map',
  'Set',
  'ReadonlyMap',
  'ReadonlySet',
  'Date',
  'Uint8Array',
]);

/**
 * Checks the TypeScript type text of an `@json` annotation and returns the names it references that must be
 * imported from the configured `jsonTypesModule`, or an error message when the text is not a type.
 */
export function readJsonTypeText(typeText: string): { imports: string[] } | { error: string } {
  const source = `type __JsonAnnotation = ${typeText};`;
  const { diagnostics = [] } = ts.transpileModule(source, { reportDiagnostics: true });
  const file = ts.createSourceFile('annotation.ts', source, ts.ScriptTarget.Latest, false);
  const [statement, ...rest] = file.statements;
  if (diagnostics.length > 0 || rest.length > 0 || !statement || !ts.isTypeAliasDeclaration(statement)) {
    return { error: `'${typeText}' is not a TypeScript type` };
  }
  const typeParameters = new Set<string>();
  const imports = new Set<string>();
  const visit = (node: ts.Node): void => {
    if (ts.isMappedTypeNode(node)) typeParameters.add(node.typeParameter.name.text);
    if (ts.isTypeReferenceNode(node)) {
      let name: ts.EntityName = node.typeName;
      while (ts.isQualifiedName(name)) name = name.left;
      if (!globalTypes.has(name.text) && !typeParameters.has(name.text)) imports.add(name.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(statement.type);
  return { imports: [...imports].sort() };
}
