/** A SQLSTATE: five characters, digits and upper-case letters (PostgreSQL's `errcodes.txt` uses no others). */
const sqlStatePattern = /^[0-9A-Z]{5}$/;

export function isSqlState(code: string): boolean {
  return sqlStatePattern.test(code);
}
