import { connect, createServer, type Socket } from 'node:net';

export interface DelayProxy {
  /** The upstream's connection string with the proxy's address. */
  readonly connectionString: string;
  close(): Promise<void>;
}

/**
 * An in-process TCP proxy that holds every chunk `delayMs` in each direction: a network round trip of `2 × delayMs`
 * more, with the connection otherwise untouched. Chunks keep their order (equal delays fire in order).
 */
export async function startDelayProxy(upstreamUrl: string, delayMs: number): Promise<DelayProxy> {
  const upstream = new URL(upstreamUrl);
  const sockets = new Set<Socket>();
  const relay = (from: Socket, to: Socket) =>
    from.on('data', (chunk: Buffer) => {
      if (delayMs === 0) to.write(chunk);
      else setTimeout(() => to.write(chunk), delayMs);
    });
  const server = createServer((client) => {
    const backend = connect(Number(upstream.port || 5432), upstream.hostname);
    for (const socket of [client, backend]) {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {});
      socket.on('close', () => {
        sockets.delete(socket);
        client.destroy();
        backend.destroy();
      });
    }
    relay(client, backend);
    relay(backend, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('the proxy has no port');
  const url = new URL(upstreamUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);
  return {
    connectionString: url.toString(),
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
