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

/**
 * Like {@link withConnection}, but connects while `prepare` runs (loading and parsing the migrations):
 * the handshake's round trips overlap that work. An error of `prepare` wins over one of connecting (a
 * wrong --migrations is a usage error whatever the database), and closes the connection.
 *
 * @example
 * await withConnectionWhile(options, () => loadMigrations(dir), (client, connection, migrations) => ...);
 */
export async function withConnectionWhile<P, T>(
  options: ConnectionFlags,
  prepare: () => Promise<P>,
  work: (client: pg.Client, connection: ConnectionOptions, prepared: P) => Promise<T>,
): Promise<T> {
  const connection = connectionFrom(options);
  const connecting = openConnection(connection);
  // handled now: a refusal while `prepare` still runs must not be an unhandled rejection
  connecting.catch(() => undefined);
  let prepared: P;
  try {
    prepared = await prepare();
  } catch (error) {
    await connecting.then((client) => client.end()).catch(() => undefined);
    throw error;
  }
  const client = await connecting;
  try {
    return await work(client, connection, prepared);
  } finally {
    await client.end().catch(() => undefined);
  }
}
