/**
 * What psql does to a script before PostgreSQL sees any of it. Meta-commands (a backslash outside literals, quoted
 * identifiers, dollar quotes and comments, up to the end of its line) are psql's own: `\set` and `\unset` change
 * variables, `\if`/`\elif`/`\else`/`\endif` choose which lines are sent, `\q` ends the file, and the rest (`\i`,
 * `\echo`, `\connect`, ...) are skipped with a warning. `:name`, `:'name'` and `:"name"` outside those same places
 * are replaced by a variable's value, raw, as a literal or as an identifier. `COPY ... FROM stdin` and its data
 * lines are skipped.
 *
 * Variables start from the configured values for each file. One the script uses without a value becomes the
 * placeholder (the schema chosen at run time), reported once; inside brackets it is left alone (`a[1:n]` is a
 * slice), as psql leaves every unset variable.
 */

export interface PsqlScriptOptions {
  variables: Readonly<Record<string, string>>;
  placeholder: string;
}

/** A change of the original text: `[start, end)` is replaced by `replacement`. */
export interface TextEdit {
  start: number;
  end: number;
  replacement: string;
}

export interface PsqlNote {
  code: string;
  message: string;
  /** Offset in the original text. */
  offset: number;
}

export interface PsqlScript {
  /** What PostgreSQL receives. */
  text: string;
  /** The changes from the original to `text`, in order and not overlapping. */
  edits: TextEdit[];
  /** Warnings, in order. */
  notes: PsqlNote[];
  /** Variables used without a value, each at its first use. */
  unset: { name: string; offset: number }[];
}

const variableChar = /[A-Za-z0-9_\u0080-\uffff]/;
const identifierChar = /[A-Za-z0-9_$\u0080-\uffff]/;
const dollarTag = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const word = /[A-Za-z_\u0080-\uffff][A-Za-z0-9_$\u0080-\uffff]*/y;
/** Meta-commands that send the query buffer, as `;` would. */
const sendingCommands = new Set(['g', 'gx', 'gset', 'gexec', 'gdesc', 'crosstabview', 'bind', 'bind_named']);
const includeCommands = new Set(['i', 'include', 'ir', 'include_relative']);

interface Branch {
  /** Whether the lines of the current branch are sent. */
  active: boolean;
  /** Whether an earlier branch of this \if was taken (or the whole \if sits in an inactive branch). */
  done: boolean;
}

export function readPsqlScript(text: string, options: PsqlScriptOptions): PsqlScript {
  return new PsqlReader(text, options).read();
}

class PsqlReader {
  private readonly variables: Map<string, string>;
  private readonly edits: TextEdit[] = [];
  private readonly notes: PsqlNote[] = [];
  private readonly unset = new Map<string, number>();
  private readonly branches: Branch[] = [];
  /** Where the lines of an inactive branch began, to blank them when the branch ends. */
  private inactiveFrom: number | null = null;
  private position = 0;
  private bracketDepth = 0;
  /** Start of the statement being read, or -1 between statements. */
  private statementStart = -1;
  /** The first words of the statement, while they may still make it a `COPY ... FROM stdin`. */
  private statementWords: string[] = [];

  constructor(
    private readonly text: string,
    private readonly options: PsqlScriptOptions,
  ) {
    this.variables = new Map(Object.entries(options.variables));
  }

  read(): PsqlScript {
    const { text } = this;
    while (this.position < text.length) {
      const at = this.position;
      const char = text[at]!;
      const next = text[at + 1];
      if (char === '-' && next === '-') this.skipTo(this.lineEnd(at));
      else if (char === '/' && next === '*') this.skipBlockComment();
      else if (/\s/.test(char)) this.position++;
      else if (char === '\\') this.metaCommand();
      else {
        if (this.statementStart === -1) this.statementStart = at;
        this.sqlToken(char, next);
      }
    }
    if (this.branches.length > 0) {
      this.note('psql-meta-command', '\\if without \\endif: psql ends the script with an error here', text.length);
      this.closeInactive(text.length);
    }
    return {
      text: applyEdits(text, this.edits),
      edits: this.edits,
      notes: this.notes,
      unset: [...this.unset].map(([name, offset]) => ({ name, offset })),
    };
  }

  private get active(): boolean {
    return this.branches.every((branch) => branch.active);
  }

  private sqlToken(char: string, next: string | undefined): void {
    const { text } = this;
    const at = this.position;
    if (char === "'") {
      const escapes = /[eE]/.test(text[at - 1] ?? '') && !identifierChar.test(text[at - 2] ?? '');
      this.skipQuoted("'", escapes);
    } else if (char === '"') this.skipQuoted('"', false);
    else if (char === '$' && !identifierChar.test(text[at - 1] ?? '') && this.skipDollarQuote()) return;
    else if (char === ':' && next === ':') this.position += 2;
    else if (char === ':' && this.active && this.variableReference()) return;
    else if (char === ';') this.endStatement(at + 1);
    else if (char === '[') {
      this.bracketDepth++;
      this.position++;
    } else if (char === ']') {
      this.bracketDepth = Math.max(0, this.bracketDepth - 1);
      this.position++;
    } else if (/[A-Za-z_\u0080-\uffff]/.test(char)) {
      word.lastIndex = at;
      const match = word.exec(text)!;
      if (this.statementWords.length < 64 && (this.statementWords.length === 0 || this.statementWords[0] === 'copy')) {
        this.statementWords.push(match[0].toLowerCase());
      }
      this.position = at + match[0].length;
    } else this.position++;
  }

  private endStatement(end: number): void {
    const words = this.statementWords;
    const fromStdin =
      words[0] === 'copy' && words.some((value, index) => value === 'from' && words[index + 1] === 'stdin');
    if (fromStdin && this.active) this.skipCopyData(end);
    else this.position = end;
    this.statementStart = -1;
    this.statementWords = [];
    this.bracketDepth = 0;
  }

  /** psql sends the lines after `COPY ... FROM stdin;` as data, up to a line `\.`; none of it defines anything. */
  private skipCopyData(statementEnd: number): void {
    const { text } = this;
    const start = this.statementStart;
    let line = this.lineEnd(statementEnd) + 1;
    while (line < text.length) {
      const end = this.lineEnd(line);
      if (text.slice(line, end).replace(/\r$/, '') === '\\.') {
        line = end;
        break;
      }
      line = end + 1;
    }
    const end = Math.min(line, text.length);
    this.blank(start, end);
    this.note('psql-copy', 'COPY ... FROM stdin and its data lines are skipped', start);
    this.position = end;
  }

  private skipQuoted(quote: string, backslashEscapes: boolean): void {
    const { text } = this;
    let index = this.position + 1;
    while (index < text.length) {
      const char = text[index]!;
      if (backslashEscapes && char === '\\') index += 2;
      else if (char === quote && text[index + 1] === quote) index += 2;
      else if (char === quote) {
        index++;
        break;
      } else index++;
    }
    this.position = Math.min(index, text.length);
  }

  private skipDollarQuote(): boolean {
    dollarTag.lastIndex = this.position;
    const tag = dollarTag.exec(this.text)?.[0];
    if (tag === undefined) return false;
    const close = this.text.indexOf(tag, this.position + tag.length);
    this.position = close === -1 ? this.text.length : close + tag.length;
    return true;
  }

  private skipBlockComment(): void {
    const { text } = this;
    let depth = 0;
    let index = this.position;
    while (index < text.length) {
      if (text[index] === '/' && text[index + 1] === '*') {
        depth++;
        index += 2;
      } else if (text[index] === '*' && text[index + 1] === '/') {
        depth--;
        index += 2;
        if (depth === 0) break;
      } else index++;
    }
    this.position = Math.min(index, text.length);
  }

  /** `:name`, `:'name'` or `:"name"` at the position; false (nothing consumed) when there is none. */
  private variableReference(): boolean {
    const { text } = this;
    const at = this.position;
    const quote = text[at + 1] === "'" || text[at + 1] === '"' ? text[at + 1]! : null;
    let index = at + 1 + (quote ? 1 : 0);
    while (index < text.length && variableChar.test(text[index]!)) index++;
    const name = text.slice(at + 1 + (quote ? 1 : 0), index);
    if (name.length === 0 || (quote !== null && text[index] !== quote)) return false;
    const end = quote ? index + 1 : index;
    const value = this.variables.get(name);
    if (value === undefined && this.bracketDepth > 0) return false;
    if (value === undefined && !this.unset.has(name)) this.unset.set(name, at);
    const placeholder = this.options.placeholder;
    let replacement: string;
    if (value === undefined || value === placeholder) replacement = quote === "'" ? `'${placeholder}'` : placeholder;
    else if (quote === "'") replacement = quoteLiteral(value);
    else if (quote === '"') replacement = `"${value.replaceAll('"', '""')}"`;
    else replacement = value;
    this.edits.push({ start: at, end, replacement });
    this.position = end;
    return true;
  }

  private metaCommand(): void {
    const { text } = this;
    const start = this.position;
    const lineEnd = this.lineEnd(start);
    const name = /^\\([A-Za-z0-9_?!.+]+|.)/.exec(text.slice(start, lineEnd))?.[1] ?? '';
    const argumentText = text.slice(start + 1 + name.length, lineEnd);
    const conditional = ['if', 'elif', 'else', 'endif'].includes(name);
    if (conditional) this.conditional(name, argumentText, start);
    else if (this.active) this.runCommand(name, argumentText, start, lineEnd);
    // psql never sends a meta-command; a \g-like one sends the statement before it, as a `;` would.
    const sends = this.active && sendingCommands.has(name) && this.statementStart !== -1;
    if (this.active || conditional) this.blank(start, lineEnd, sends ? ';' : '');
    if (sends) {
      this.endStatement(lineEnd);
      return;
    }
    this.position = lineEnd;
    if ((name === 'q' || name === 'quit') && this.active) {
      this.blank(lineEnd, text.length);
      this.position = text.length;
      this.branches.length = 0;
    }
  }

  private runCommand(name: string, argumentText: string, start: number, lineEnd: number): void {
    if (name === 'set' || name === 'unset') {
      const words = this.arguments(argumentText, start);
      if (words === null) return;
      const [variable, ...value] = words;
      if (variable === undefined) return;
      if (name === 'unset') this.variables.delete(variable);
      else this.variables.set(variable, value.join(''));
      return;
    }
    if (name === 'q' || name === 'quit') {
      if (lineEnd < this.text.length)
        this.note('psql-meta-command', `psql stops reading the file at \\${name}; the rest is not read`, start);
      return;
    }
    // CREATE EXTENSION drops `\echo` lines (and the `\quit` after them): the guard extension scripts start with.
    if (name === 'echo') {
      this.note('psql-meta-command', `psql meta-command \\echo is skipped, with the rest of its line`, start);
      return;
    }
    const why = includeCommands.has(name)
      ? '; the file it names is not read (list it as an input)'
      : sendingCommands.has(name)
        ? `; the statement before it is read, what \\${name} does with its result is not`
        : '';
    this.note('psql-meta-command', `psql meta-command \\${name} is skipped${why}`, start);
  }

  private conditional(name: string, argumentText: string, start: number): void {
    const top = this.branches[this.branches.length - 1];
    if (name !== 'if' && !top) {
      this.note('psql-meta-command', `\\${name} without \\if is ignored, as psql ignores it`, start);
      return;
    }
    this.closeInactive(start);
    if (name === 'if') {
      const enclosingActive = this.active;
      const value = enclosingActive && this.condition(name, argumentText, start);
      this.branches.push({ active: value, done: value || !enclosingActive });
    } else if (name === 'elif') {
      const value = !top!.done && this.condition(name, argumentText, start);
      top!.active = value;
      top!.done ||= value;
    } else if (name === 'else') {
      top!.active = !top!.done;
      top!.done = true;
    } else this.branches.pop();
    this.openInactive(start);
  }

  private openInactive(commandStart: number): void {
    if (!this.active && this.inactiveFrom === null) this.inactiveFrom = this.lineEnd(commandStart);
  }

  private closeInactive(at: number): void {
    if (this.inactiveFrom === null) return;
    this.blank(this.inactiveFrom, at);
    this.inactiveFrom = null;
  }

  /** psql's reading of a boolean (`ParseVariableBool`); anything else is false, as psql takes it. */
  private condition(name: string, argumentText: string, start: number): boolean {
    const words = this.arguments(argumentText, start);
    const value = (words ?? []).join(' ');
    const parsed = words === null ? null : parseBoolean(value);
    if (parsed === null) {
      const shown = argumentText.trim();
      this.note(
        'psql-meta-command',
        `cannot read \\${name} ${shown} as a boolean; psql takes it as false, so its lines are skipped`,
        start,
      );
    }
    return parsed ?? false;
  }

  /**
   * A meta-command's arguments as psql splits them: whitespace separates, `'...'` quotes (with `''` and backslash
   * escapes), `"..."` is kept with its quotes, and variables are substituted. Null for a backquoted shell command.
   */
  private arguments(argumentText: string, start: number): string[] | null {
    const words: string[] = [];
    let current: string | null = null;
    for (let index = 0; index < argumentText.length;) {
      const char = argumentText[index]!;
      if (/\s/.test(char)) {
        if (current !== null) words.push(current);
        current = null;
        index++;
        continue;
      }
      current ??= '';
      if (char === '`') {
        this.note('psql-meta-command', 'a backquoted shell command in a meta-command is not run', start);
        return null;
      }
      if (char === "'") {
        let value = '';
        index++;
        while (index < argumentText.length) {
          const inner = argumentText[index]!;
          if (inner === "'" && argumentText[index + 1] === "'") {
            value += "'";
            index += 2;
          } else if (inner === "'") {
            index++;
            break;
          } else if (inner === '\\' && index + 1 < argumentText.length) {
            const escaped = argumentText[index + 1]!;
            value += ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' } as Record<string, string>)[escaped] ?? escaped;
            index += 2;
          } else {
            value += inner;
            index++;
          }
        }
        current += value;
        continue;
      }
      if (char === '"') {
        const close = argumentText.indexOf('"', index + 1);
        const end = close === -1 ? argumentText.length : close + 1;
        current += argumentText.slice(index, end);
        index = end;
        continue;
      }
      const reference = /^:(['"]?)([A-Za-z0-9_\u0080-\uffff]+)\1/.exec(argumentText.slice(index));
      const value = reference ? this.variables.get(reference[2]!) : undefined;
      if (reference && value !== undefined) {
        const quote = reference[1];
        current += quote === "'" ? quoteLiteral(value) : quote === '"' ? `"${value.replaceAll('"', '""')}"` : value;
        index += reference[0].length;
        continue;
      }
      current += char;
      index++;
    }
    if (current !== null) words.push(current);
    return words;
  }

  private note(code: string, message: string, offset: number): void {
    this.notes.push({ code, message, offset });
  }

  /** Replaces the text with spaces (keeping line breaks), so that every later offset stays where it was. */
  private blank(start: number, end: number, first = ''): void {
    if (end <= start) return;
    // A blank covers what was substituted inside it (a variable in a skipped COPY statement).
    while ((this.edits[this.edits.length - 1]?.start ?? -1) >= start) this.edits.pop();
    const replacement = first + this.text.slice(start + first.length, end).replace(/[^\r\n]/g, ' ');
    this.edits.push({ start, end, replacement });
  }

  private lineEnd(from: number): number {
    const newline = this.text.indexOf('\n', from);
    return newline === -1 ? this.text.length : newline;
  }

  private skipTo(position: number): void {
    this.position = position;
  }
}

/** psql's `:'name'`: a literal, with `E` and doubled backslashes when the value has a backslash (PQescapeLiteral). */
function quoteLiteral(value: string): string {
  const doubled = value.replaceAll("'", "''");
  return value.includes('\\') ? ` E'${doubled.replaceAll('\\', '\\\\')}'` : `'${doubled}'`;
}

function parseBoolean(value: string): boolean | null {
  const lower = value.toLowerCase();
  const length = lower.length;
  if (length === 0) return null;
  const prefixOf = (candidate: string, minimum = 1) =>
    length >= minimum && length <= candidate.length && candidate.startsWith(lower);
  if (prefixOf('true')) return true;
  if (prefixOf('false')) return false;
  if (prefixOf('yes')) return true;
  if (prefixOf('no')) return false;
  if (prefixOf('on', 2)) return true;
  if (prefixOf('off', 2)) return false;
  if (lower === '1') return true;
  if (lower === '0') return false;
  return null;
}

function applyEdits(text: string, edits: readonly TextEdit[]): string {
  if (edits.length === 0) return text;
  let result = '';
  let from = 0;
  for (const edit of edits) {
    result += text.slice(from, edit.start) + edit.replacement;
    from = edit.end;
  }
  return result + text.slice(from);
}
