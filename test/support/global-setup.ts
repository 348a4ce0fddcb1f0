import type { TestProject } from 'vitest/node';
import { connectionFromEnvironment, type RunningServer } from './embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let server: RunningServer | undefined;

/** One PostgreSQL for the whole run: `DATABASE_URL` when set, else an embedded server in a temporary directory. */
export async function setup(project: TestProject): Promise<void> {
  server = await connectionFromEnvironment();
  project.provide('databaseUrl', server.connectionString);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
