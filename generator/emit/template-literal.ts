import type { SqlPart } from '../analyze/program.js';

/** A TypeScript template literal for SQL parts, `${schema}` standing for the client's quoted schema. */
export function templateLiteral(parts: readonly SqlPart[], schemaVariable = 'schema'): string {
  const body = parts
    .map((part) =>
      typeof part === 'string'
        ? part.replaceAll('\\', '\\\\').replaceAll('`', '\\`').replaceAll('${', '\\${')
        : `\${${schemaVariable}}`,
    )
    .join('');
  return `\`${body}\``;
}

/** A single-quoted string literal. */
export function stringLiteral(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'").replaceAll('\n', '\\n').replaceAll('\r', '\\r')}'`;
}

/** A JSDoc comment body that cannot end early. */
export function docText(text: string): string {
  return text.replaceAll('*/', '*\\/');
}

const identifier = /^[A-Za-z_$][\w$]*$/;

/** An object literal key or interface property name: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return identifier.test(name) ? name : stringLiteral(name);
}

/** `.name` or `['app.name']`: a member access for a key. */
export function memberAccess(name: string): string {
  return identifier.test(name) ? `.${name}` : `[${stringLiteral(name)}]`;
}
