/**
 * The server every benchmark measures: DATABASE_URL when set, otherwise an embedded PostgreSQL with durable settings
 * (fsync and synchronous_commit on), as users run theirs.
 */
import { startEmbeddedPostgres, type RunningServer } from '../../test/support/embedded-postgres.js';
import { newPool } from './providers.js';
import { readSettings } from './server-settings.js';

export interface BenchServer extends RunningServer {
  /** False for DATABASE_URL: a server this process must not reconfigure. */
  own: boolean;
  label: string;
}

export async function startBenchServer(): Promise<BenchServer> {
  const url = process.env.DATABASE_URL;
  if (url) return { connectionString: url, stop: async () => {}, own: false, label: 'DATABASE_URL' };
  const server = await startEmbeddedPostgres({ durable: true });
  return { ...server, own: true, label: 'embedded PostgreSQL (this run)' };
}

/** `name=value, …` of the settings `readSettings` returns, for a report's heading. */
export const formatSettings = (settings: Record<string, string>): string =>
  Object.entries(settings)
    .map(([name, value]) => `${name}=${value}`)
    .join(', ');

/** Prints which server a standalone benchmark measures, with the settings its figures depend on. */
export async function printServer(server: BenchServer): Promise<void> {
  const admin = newPool(server.connectionString, 1);
  try {
    console.log(`${server.label}: ${formatSettings(await readSettings(admin))}`);
  } finally {
    await admin.end();
  }
}
