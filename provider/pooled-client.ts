import type pg from 'pg';

/**
 * Checks a client out of `pool` for `work`. While it is out, pg-pool does not listen to it, and pg emits `error` on
 * a client whose connection drops (between queries, or after the server's FATAL message reached a running one); an
 * event nobody listens to ends the process. The listener here only notes the loss: the query that was running, or
 * the next one ("not queryable"), fails with it, and the client is discarded instead of going back to the pool.
 * `work` may discard the client itself, e.g. when it cannot tell what state the session is in.
 */
export async function withPooledClient<T>(
  pool: pg.Pool,
  work: (client: pg.PoolClient, discard: (reason: Error) => void) => Promise<T>,
): Promise<T> {
  let discarded: Error | undefined;
  const discard = (reason: Error) => {
    discarded ??= reason;
  };
  const client = await new Promise<pg.PoolClient>((resolve, reject) => {
    // The callback form: the listener must be on before pg parses the next message of the chunk that completed the
    // hand-over (the server's FATAL can ride with it), which happens before an awaited connect() would resume.
    pool.connect((error, client) => {
      if (error || !client) {
        reject(error ?? new Error('pool.connect gave no client'));
        return;
      }
      client.on('error', discard);
      resolve(client);
    });
  });
  try {
    return await work(client, discard);
  } finally {
    client.removeListener('error', discard);
    client.release(discarded);
  }
}
