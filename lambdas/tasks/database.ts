import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../../core/db/connection.ts';
import type { Log } from '../../core/log.ts';
import type { TaskSettings } from './settings.ts';

/** SQLSTATEs of a refused login: invalid_password, invalid_authorization_specification. */
const LOGIN_REFUSED = new Set(['28P01', '28000']);

function loginRefused(error: unknown): boolean {
  const cause = (error as { cause?: { code?: string } } | null)?.cause;
  return LOGIN_REFUSED.has(cause?.code ?? '');
}

/**
 * Opens the task's connection (named after the task, with the configured lock and statement
 * timeouts), runs `work`, and closes the connection on every way out. A refused login reads the
 * credentials again (past the secret's cache) and tries once more: after a rotation, a warm task would
 * otherwise fail with the old password until its cache expires.
 *
 * @example
 * await withDatabase(deps, 'expand', async (client, connection) => applyPending(client, migrations, { ...options, connection }));
 */
export async function withDatabase<T>(
  deps: {
    connection(options?: { refresh?: boolean }): Promise<ConnectionOptions>;
    readonly settings: TaskSettings;
    readonly log: Log;
  },
  task: string,
  work: (client: pg.Client, connection: ConnectionOptions) => Promise<T>,
): Promise<T> {
  const guarded = (base: ConnectionOptions): ConnectionOptions => ({
    ...base,
    lockTimeoutMs: deps.settings.lockTimeoutMs,
    statementTimeoutMs: deps.settings.statementTimeoutMs,
    applicationName: `zerodown-${task}`,
  });
  let connection = guarded(await deps.connection());
  let client: pg.Client;
  try {
    client = await openConnection(connection);
  } catch (error) {
    if (!loginRefused(error)) throw error;
    deps.log.warn(
      'the database refused the login; reading the credentials again (rotated?) and retrying once',
    );
    connection = guarded(await deps.connection({ refresh: true }));
    client = await openConnection(connection);
  }
  try {
    return await work(client, connection);
  } finally {
    await client.end().catch(() => undefined);
  }
}
