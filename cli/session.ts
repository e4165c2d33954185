import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../core/db/connection.ts';
import { type CommonOptions, requireDatabaseUrl } from './options.ts';

/** What a connection is made of: the URL and the two timeouts. */
export type ConnectionFlags = Pick<CommonOptions, 'databaseUrl' | 'lockTimeout' | 'statementTimeout'>;

/** Connection settings from the common options (lock_timeout: the connection's default unless given). */
export function connectionFrom(options: ConnectionFlags): ConnectionOptions {
  return {
    connection: requireDatabaseUrl(options),
    lockTimeoutMs: options.lockTimeout,
    statementTimeoutMs: options.statementTimeout,
  };
}

/** Opens a connection for the length of `work` and closes it on every way out. */
export async function withConnection<T>(
  options: ConnectionFlags,
  work: (client: pg.Client, connection: ConnectionOptions) => Promise<T>,
): Promise<T> {
  const connection = connectionFrom(options);
  const client = await openConnection(connection);
  try {
    return await work(client, connection);
  } finally {
    await client.end().catch(() => undefined);
  }
}
