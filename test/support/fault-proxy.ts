import { createServer, type Server, type Socket, connect } from 'node:net';

/**
 * What the stand-in does to a connection. Query faults hit the next query (after authentication) whose text contains
 * the armed `match`; `refuse-startup` hits the next new connection.
 */
export type Fault =
  /** Answers the startup message with a FATAL ErrorResponse (`57P03`: starting up, shutting down) and closes. */
  | { kind: 'refuse-startup'; sqlstate: string; message: string }
  /** Does not forward the query; answers it with a FATAL ErrorResponse (`57P02`, `57P01`) and closes. */
  | { kind: 'error-mid-query'; sqlstate: string; message: string }
  /** Does not forward the query; closes the socket. */
  | { kind: 'close-mid-query' }
  /** Forwards the query and lets the server answer it in full (its commit included), then closes without the answer. */
  | { kind: 'close-after-commit' }
  /** Forwards the query and its whole answer, then closes: the connection dies between two statements. */
  | { kind: 'close-after-reply' };

interface Armed {
  fault: Fault;
  match: string | undefined;
  remaining: number;
}

export interface FaultProxy {
  /** The upstream's connection string with the stand-in's address. */
  readonly connectionString: string;
  /** Arms `fault` for the next `times` (default 1) matching queries or new connections. */
  inject(fault: Fault, options?: { times?: number; match?: string }): void;
  /** Disarms every fault. */
  clear(): void;
  /** Closes every open connection at once, as a server restart or a proxy's idle timeout would. */
  dropConnections(): void;
  /** How many faults fired, and how many queries containing `text` went through the stand-in (fired or not). */
  readonly fired: number;
  /** Client connections open now. */
  readonly openConnections: number;
  queriesContaining(text: string): number;
  close(): Promise<void>;
}

/** A backend message: type byte, length (including itself), fields. */
function message(type: string, body: Buffer): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([header, body]);
}

function fatalError(sqlstate: string, text: string): Buffer {
  const fields = [`SFATAL`, `VFATAL`, `C${sqlstate}`, `M${text}`].map((field) => `${field}\0`).join('') + '\0';
  return message('E', Buffer.from(fields, 'utf8'));
}

/** Splits the server's stream into message types, across chunk boundaries. */
class MessageTypes {
  private pending = Buffer.alloc(0);

  feed(chunk: Buffer): string[] {
    this.pending = Buffer.concat([this.pending, chunk]);
    const types: string[] = [];
    while (this.pending.length >= 5) {
      const length = this.pending.readInt32BE(1);
      if (this.pending.length < 1 + length) break;
      types.push(String.fromCharCode(this.pending[0]!));
      this.pending = this.pending.subarray(1 + length);
    }
    return types;
  }
}

/**
 * A stand-in PostgreSQL server for fault tests: a TCP proxy in front of a real server that speaks just enough of the
 * wire protocol to refuse connections, fail or cut queries, and lose an answer after the server committed it — the
 * failures a restart, a crash or a network cut produce, on demand and exactly where a test wants them.
 */
export async function startFaultProxy(upstreamUrl: string): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  const upstreamPort = Number(upstream.port || 5432);
  const armed: Armed[] = [];
  const sockets = new Set<Socket>();
  const clients = new Set<Socket>();
  const seen: string[] = [];
  let fired = 0;

  const take = (kind: 'startup' | 'query', text: string | null): Fault | null => {
    const index = armed.findIndex(
      (entry) =>
        (entry.fault.kind === 'refuse-startup') === (kind === 'startup') &&
        (text === null || entry.match === undefined || text.includes(entry.match)),
    );
    const entry = armed[index];
    if (!entry) return null;
    if (--entry.remaining <= 0) armed.splice(index, 1);
    fired++;
    return entry.fault;
  };

  const server: Server = createServer((client) => {
    sockets.add(client);
    clients.add(client);
    client.on('close', () => {
      sockets.delete(client);
      clients.delete(client);
    });
    client.on('error', () => {});
    const refusal = take('startup', null);
    if (refusal?.kind === 'refuse-startup') {
      client.once('data', () => client.end(fatalError(refusal.sqlstate, refusal.message)));
      return;
    }

    const backend = connect(upstreamPort, upstream.hostname);
    sockets.add(backend);
    backend.on('error', () => {});
    // Either side closing closes the other, unless a fault is closing the client on its own terms (after a last
    // message that must not be cut off).
    let faulted = false;
    backend.on('close', () => {
      sockets.delete(backend);
      if (!faulted) client.destroy();
    });
    client.on('close', () => backend.destroy());
    const closeClient = (last?: Buffer) => {
      faulted = true;
      backend.destroy();
      if (last) client.end(last);
      else client.end();
    };

    const types = new MessageTypes();
    let ready = false; // authenticated: the server sent its first ReadyForQuery
    let withheld: 'answer' | 'after-answer' | null = null;

    backend.on('data', (chunk: Buffer) => {
      const answered = types.feed(chunk).includes('Z');
      ready ||= answered;
      if (withheld === 'answer') {
        if (answered) closeClient();
        return;
      }
      client.write(chunk);
      if (withheld === 'after-answer' && answered) closeClient();
    });

    client.on('data', (chunk: Buffer) => {
      if (faulted) return;
      if (!ready || withheld !== null) {
        backend.write(chunk);
        return;
      }
      const text = chunk.toString('latin1');
      seen.push(text);
      const fault = take('query', text);
      switch (fault?.kind) {
        case 'error-mid-query':
          closeClient(fatalError(fault.sqlstate, fault.message));
          return;
        case 'close-mid-query':
          closeClient();
          return;
        case 'close-after-commit':
          withheld = 'answer';
          break;
        case 'close-after-reply':
          withheld = 'after-answer';
          break;
      }
      backend.write(chunk);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the stand-in has no port');
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);

  return {
    connectionString: url.toString(),
    inject(fault, options = {}) {
      armed.push({ fault, match: options.match, remaining: options.times ?? 1 });
    },
    clear() {
      armed.length = 0;
    },
    dropConnections() {
      for (const socket of sockets) socket.destroy();
    },
    get fired() {
      return fired;
    },
    get openConnections() {
      return clients.size;
    },
    queriesContaining(text) {
      return seen.filter((query) => query.includes(text)).length;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
