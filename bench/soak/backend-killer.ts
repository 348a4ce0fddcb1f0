import type pg from 'pg';

/**
 * Terminates one of the provider's backends (`pg_terminate_backend`, as an operator or a failover would) at random
 * moments, from its own admin connection: mostly one running a statement or inside a transaction, sometimes an idle
 * one in the pool.
 */
export class BackendKiller {
  kills = 0;
  private stopped = false;
  private paused = false;
  private loop: Promise<void> | undefined;

  constructor(
    private readonly admin: pg.Pool,
    private readonly applicationName: string,
    /** Mean pause between kills; each pause is uniform on [0, 2 × mean]. */
    private readonly meanIntervalMs: number,
  ) {}

  start(): void {
    this.loop = this.run();
  }

  /** While the server is down on purpose there is nothing to kill, and the admin pool would only collect errors. */
  pause(paused: boolean): void {
    this.paused = paused;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 2 * this.meanIntervalMs));
      if (this.stopped || this.paused) continue;
      try {
        const result = await this.admin.query<{ killed: boolean }>(
          `SELECT pg_terminate_backend(pid) AS killed FROM pg_stat_activity
            WHERE application_name = $1 ORDER BY (state = 'idle') = $2 DESC, random() LIMIT 1`,
          [this.applicationName, Math.random() < 0.2],
        );
        if (result.rows[0]?.killed) this.kills++;
      } catch {
        // The server went down between the check and the query: the next round tries again.
      }
    }
  }
}
