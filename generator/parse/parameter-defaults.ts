import type { Token } from './tokens.js';

/**
 * The source text of each declared parameter's default, in declaration order (null where there is none), read from
 * the tokens of a CREATE FUNCTION/PROCEDURE statement (`text` slices the file as written). Taken from tokens rather
 * than from either parser's tree because neither records where a default expression ends.
 */
export function parameterDefaultTexts(
  tokens: Token[],
  text: (start: number, end: number) => string,
): (string | null)[] {
  const routineKeyword = tokens.findIndex((token) => token.keyword === 'function' || token.keyword === 'procedure');
  const open = tokens.findIndex((token, index) => index > routineKeyword && token.text === '(');
  if (routineKeyword === -1 || open === -1) return [];
  const defaults: (string | null)[] = [];
  let depth = 0;
  let parameter: Token[] = [];
  for (const token of tokens.slice(open + 1)) {
    const closesList = depth === 0 && token.text === ')';
    if (closesList || (depth === 0 && token.text === ',')) {
      if (parameter.length > 0) defaults.push(defaultText(parameter, text));
      parameter = [];
      if (closesList) break;
      continue;
    }
    if (token.text === '(' || token.text === '[') depth++;
    else if (token.text === ')' || token.text === ']') depth--;
    parameter.push(token);
  }
  return defaults;
}

function defaultText(parameter: Token[], text: (start: number, end: number) => string): string | null {
  let depth = 0;
  for (let index = 0; index < parameter.length; index++) {
    const token = parameter[index]!;
    if (token.text === '(' || token.text === '[') depth++;
    else if (token.text === ')' || token.text === ']') depth--;
    else if (depth === 0 && (token.keyword === 'default' || token.text === '=')) {
      const first = parameter[index + 1];
      const last = parameter[parameter.length - 1]!;
      return first ? text(first.start, last.end) : null;
    }
  }
  return null;
}
