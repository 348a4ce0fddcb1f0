import type { SchemaRef } from '../model/types.js';

/** PostgreSQL's own default search_path. */
export const defaultSearchPath: readonly string[] = ['$user', 'public'];

/** A search_path as set: its schemas in order (`$user` as a schema of that name); null when it is unknown. */
export type SearchPath = readonly SchemaRef[] | null;

/**
 * The search_path of the one session that applies the files in order, as PostgreSQL keeps it: `SET` (and
 * `set_config(..., false)`) changes it for the session, so for the files after too; `SET LOCAL` (and
 * `set_config(..., true)`) until the transaction ends, which is the end of the file outside an explicit one (each
 * file runs in a transaction of its own, as migration runners and a multi-statement query do); a `ROLLBACK` undoes
 * the session changes made since `BEGIN`.
 */
export class SessionSearchPath {
  #session: SearchPath;
  /** The transaction-local value, or undefined when none is set. */
  #local: SearchPath | undefined;
  /** The session value at `BEGIN`, while an explicit transaction is open. */
  #atBegin: { session: SearchPath } | null = null;

  constructor(readonly initial: SearchPath) {
    this.#session = initial;
  }

  get current(): SearchPath {
    return this.#local === undefined ? this.#session : this.#local;
  }

  set(path: SearchPath, local: boolean): void {
    if (local) this.#local = path;
    else {
      this.#session = path;
      this.#local = undefined;
    }
  }

  /** Runs `action` with the path set to `path`, then puts back what was there. */
  during(path: SearchPath, action: () => void): void {
    const session = this.#session;
    const local = this.#local;
    this.#local = path;
    try {
      action();
    } finally {
      this.#session = session;
      this.#local = local;
    }
  }

  begin(): void {
    this.#atBegin ??= { session: this.#session };
  }

  commit(): void {
    this.#atBegin = null;
    this.#local = undefined;
  }

  rollback(): void {
    if (this.#atBegin) this.#session = this.#atBegin.session;
    this.commit();
  }

  endOfFile(): void {
    this.commit();
  }
}

/**
 * A search_path given as text, as `set_config` and the configuration give it (PostgreSQL's SplitIdentifierString):
 * comma-separated names, folded to lower case unless double-quoted. Null when the text is not such a list.
 */
export function splitSearchPath(text: string): string[] | null {
  const names: string[] = [];
  let index = 0;
  const skipSpaces = () => {
    while (index < text.length && /\s/.test(text[index]!)) index++;
  };
  skipSpaces();
  if (index === text.length) return names;
  for (;;) {
    let name = '';
    if (text[index] === '"') {
      index++;
      for (;;) {
        const close = text.indexOf('"', index);
        if (close === -1) return null;
        name += text.slice(index, close);
        index = close + 1;
        if (text[index] !== '"') break;
        name += '"';
        index++;
      }
    } else {
      const start = index;
      while (index < text.length && text[index] !== ',' && !/\s/.test(text[index]!)) index++;
      name = text.slice(start, index).toLowerCase();
    }
    if (name === '') return null;
    names.push(name);
    skipSpaces();
    if (index === text.length) return names;
    if (text[index] !== ',') return null;
    index++;
    skipSpaces();
  }
}
