import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../../core/db/connection.ts';
import type { TaskSettings } from './settings.ts';

/**
 * Opens the task's connection (named after the task, with the configured lock and statement
 * timeouts), runs `work`, and closes the connection on every way out.
 *
 * @example
 * await withDatabase(deps, 'expand', async (client, connection) => applyPending(client, migrations, { ...options, connection }));
 */
export async function withDatabase<T>(
  deps: { connection(): Promise<ConnectionOptions>; readonly settings: TaskSettings },
  task: string,
  work: (client: pg.Client, connection: ConnectionOptions) => Promise<T>,
): Promise<T> {
  const base = await deps.connection();
  const connection: ConnectionOptions = {
    ...base,
    lockTimeoutMs: deps.settings.lockTimeoutMs,
    statementTimeoutMs: deps.settings.statementTimeoutMs,
    applicationName: `zerodown-${task}`,
  };
  const client = await openConnection(connection);
  try {
    return await work(client, connection);
  } finally {
    await client.end().catch(() => undefined);
  }
}
