/**
 * The one thing a generated client needs from a connection. A `pg` Pool, Client or PoolClient (also inside a
 * transaction) and a PGlite instance all fit, so the client never decides how connections are managed.
 */
export interface Queryable {
  query(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
}
