/** What the report says about the server, and the one setting a labelled row changes. */
import type pg from 'pg';

export const REPORTED_SETTINGS = [
  'server_version',
  'fsync',
  'synchronous_commit',
  'wal_sync_method',
  'full_page_writes',
  'shared_buffers',
  'max_connections',
] as const;

export async function readSettings(db: pg.Pool): Promise<Record<string, string>> {
  const { rows } = await db.query<{ name: string; setting: string }>(
    `SELECT name, current_setting(name) AS setting FROM pg_catalog.pg_settings WHERE name = ANY($1::text[])`,
    [REPORTED_SETTINGS],
  );
  return Object.fromEntries(rows.map((row) => [row.name, row.setting]));
}

/** Turns fsync off (or back to the server's default) for every session, without a restart. */
export async function setFsync(db: pg.Pool, on: boolean): Promise<void> {
  await db.query(on ? 'ALTER SYSTEM RESET fsync' : 'ALTER SYSTEM SET fsync = off');
  await db.query('SELECT pg_catalog.pg_reload_conf()');
  // The reload reaches each backend at its next command; wait until a new session sees it.
  for (let attempt = 0; attempt < 50; attempt++) {
    const { rows } = await db.query<{ fsync: string }>('SHOW fsync');
    if ((rows[0]?.fsync === 'on') === on) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
