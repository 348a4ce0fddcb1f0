/** How SQL names become TypeScript names. */

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((word) => word.length > 0);
}

function capitalise(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1).toLowerCase();
}

function safeStart(identifier: string): string {
  if (identifier.length === 0) return '_';
  return /^[0-9]/.test(identifier) ? `_${identifier}` : identifier;
}

export function pascalCase(name: string): string {
  return safeStart(words(name).map(capitalise).join(''));
}

export function camelCase(name: string): string {
  const pascal = pascalCase(name);
  return pascal.startsWith('_') ? pascal : pascal.charAt(0).toLowerCase() + pascal.slice(1);
}

/** `sp_list_instances` → `listInstances`: the `sp_` prefix says nothing once the method is on the client. */
export function methodNameOf(sqlName: string): string {
  return camelCase(sqlName.replace(/^sp_/i, '')) || camelCase(sqlName);
}

/**
 * `p_instance_id` → `instanceId`: the `p_` (or leading `_`) prefix only keeps PL/pgSQL parameters apart from
 * column names, so the property drops it.
 */
export function parameterPropertyOf(sqlName: string): string {
  const stripped = sqlName.replace(/^(?:p_|_+)/i, '');
  return camelCase(stripped.length > 0 ? stripped : sqlName);
}

export function columnPropertyOf(sqlName: string): string {
  return camelCase(sqlName);
}
