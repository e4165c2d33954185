import pg from 'pg';

/** How zerodown connects: every connection named and guarded by lock and statement timeouts. */
export interface ConnectionOptions {
  /** A postgres:// URL or a pg config (host, user, password, database, ssl, ...). */
  readonly connection: string | pg.ClientConfig;
  /** lock_timeout for every statement, ms. @default 500 */
  readonly lockTimeoutMs?: number;
  /** statement_timeout, ms; 0 disables. @default 0 */
  readonly statementTimeoutMs?: number;
  /** application_name, visible in pg_stat_activity. @default 'zerodown' */
  readonly applicationName?: string;
  /**
   * How long connecting may take, startup included, ms: a server that accepts and never answers fails
   * here instead of hanging. @default the URL's `connect_timeout` (seconds), else 10000
   */
  readonly connectTimeoutMs?: number;
}

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** `connect_timeout` of a postgres:// URL (seconds, libpq's meaning) in ms, when it has a positive one. */
function urlConnectTimeoutMs(connection: string | pg.ClientConfig): number | undefined {
  if (typeof connection !== 'string') return undefined;
  try {
    const seconds = Number(new URL(connection).searchParams.get('connect_timeout'));
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : undefined;
  } catch {
    return undefined;
  }
}

export const DEFAULT_LOCK_TIMEOUT_MS = 500;

/**
 * Opens a connection with `application_name`, `lock_timeout` and `statement_timeout` set for the session.
 *
 * @example
 * const client = await openConnection({ connection: process.env.DATABASE_URL!, lockTimeoutMs: 500 });
 */
export async function openConnection(options: ConnectionOptions): Promise<pg.Client> {
  const base =
    typeof options.connection === 'string' ? { connectionString: options.connection } : options.connection;
  const connectTimeoutMs =
    options.connectTimeoutMs ??
    (typeof options.connection === 'string' ? undefined : options.connection.connectionTimeoutMillis) ??
    urlConnectTimeoutMs(options.connection) ??
    DEFAULT_CONNECT_TIMEOUT_MS;
  const client = new pg.Client({
    ...base,
    application_name: options.applicationName ?? 'zerodown',
    lock_timeout: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    statement_timeout: options.statementTimeoutMs ?? 0,
    connectionTimeoutMillis: connectTimeoutMs,
  });
  // an idle client whose server goes away must not crash the process
  client.on('error', () => undefined);
  try {
    await client.connect();
  } catch (error) {
    const timedOut = /timeout/i.test((error as Error).message);
    throw new Error(
      `cannot connect to ${describeConnection(options.connection)}: ${(error as Error).message}${timedOut ? ` (no answer within ${connectTimeoutMs / 1000}s; check the host and port, or allow longer with ?connect_timeout=<seconds>)` : ''}`,
      {
        cause: error,
      },
    );
  }
  return client;
}

/** A connection described for messages, without its password. */
export function describeConnection(connection: string | pg.ClientConfig): string {
  if (typeof connection !== 'string') {
    return `postgres://${connection.user ?? ''}@${connection.host ?? 'localhost'}:${connection.port ?? 5432}/${connection.database ?? ''}`;
  }
  try {
    const url = new URL(connection);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'the database (unparseable URL)';
  }
}

/** SQLSTATEs of a session the server ended or would not start: admin/crash shutdown, starting up. */
const UNAVAILABLE_CODES = new Set(['57P01', '57P02', '57P03']);
/** Socket errors of a server that is down, restarting or unreachable. */
const UNAVAILABLE_SOCKET_ERRORS = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/** node-postgres's messages for a session lost under it: mid-statement, and at the next statement after. */
const DRIVER_CONNECTION_LOST =
  /^(Connection terminated\b|Client has encountered a connection error and is not queryable)/;

/**
 * Whether an error (or one of its causes) says the database went away or could not be reached, rather
 * than that a statement was wrong: connection exceptions (SQLSTATE class 08), a terminated or shut
 * down session (57P01, 57P02), a server still starting (57P03), a refused or reset socket, or the
 * driver's "Connection terminated" (unexpectedly, or at the connect timeout: a failover's DNS still
 * pointing at the old host looks like that), and the driver's "encountered a connection error and is not
 * queryable" (a statement sent on a session the server ended while it sat idle, between two batches, say).
 * A wrong password or an unknown database is not: retrying cannot help.
 *
 * @example
 * if (isDatabaseUnavailable(error)) throw new DatabaseUnavailable(error.message, { cause: error });
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let current = error, depth = 0; current && depth < 6; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_CODES.has(code))) return true;
    if (typeof code === 'string' && UNAVAILABLE_SOCKET_ERRORS.has(code)) return true;
    if (typeof message === 'string' && DRIVER_CONNECTION_LOST.test(message)) return true;
    current = cause;
  }
  return false;
}
