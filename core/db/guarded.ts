import type pg from 'pg';
import { LockTimeout } from '../errors.ts';
import type { Log } from '../log.ts';
import { type LockRetryPolicy, withLockRetry } from './lock-retry.ts';

/** Options of {@link guard}. */
export interface GuardOptions {
  /** Where each retry is logged. */
  readonly log: Log;
  /** How work that hits lock_timeout is retried. @default DEFAULT_LOCK_RETRY */
  readonly retry?: Partial<LockRetryPolicy>;
}

/** Options of one guarded call. */
export interface GuardedCallOptions {
  /** Runs before each retry (after the failed attempt, before the backoff): undo what it left. */
  readonly beforeRetry?: () => Promise<void>;
  /**
   * Run without lock_timeout: for statements that wait for older transactions and block no application
   * traffic while they wait (CREATE/DROP INDEX CONCURRENTLY), which lock_timeout would fail over and over.
   */
  readonly noLockTimeout?: boolean;
  /**
   * A last statement of the transaction, made once its work is done and sent with the COMMIT in one
   * round trip (a migration's record: 200 migrations save 200 round trips). A failure in it aborts the
   * transaction as any other does.
   */
  readonly withCommit?: () => string;
}

/**
 * The one way the engine runs statements that take locks on the application's tables. The session
 * carries `lock_timeout` and `statement_timeout` (set by `openConnection`); the handle adds the retry:
 * an attempt that fails with lock_timeout (SQLSTATE 55P03) is retried with backoff and jitter, each
 * retry logged, and after the last one it fails with `LockTimeout`. Reads of zerodown's own state go
 * through `client`, which is the same session.
 */
export interface GuardedDb {
  /** The session (its lock_timeout and statement_timeout apply to everything on it). */
  readonly client: pg.ClientBase;
  readonly log: Log;
  /**
   * Runs `work` in one transaction (BEGIN … COMMIT, ROLLBACK on every failure), retried as a whole.
   * @param what names the work in messages: the file and line, or what is installed where.
   */
  transaction<T>(
    what: string,
    work: (client: pg.ClientBase) => Promise<T>,
    options?: GuardedCallOptions,
  ): Promise<T>;
  /** Runs `work` (one statement, or steps safe to repeat) outside a transaction, retried as a whole. */
  outsideTransaction<T>(
    what: string,
    work: (client: pg.ClientBase) => Promise<T>,
    options?: GuardedCallOptions,
  ): Promise<T>;
}

/**
 * The session most likely in the way after a lock_timeout: the oldest transaction open in this database
 * (our own wait has ended, so pg_blocking_pids no longer answers). Named with its pid, age and the first
 * line of its query, so a person can look at it (or end it with pg_terminate_backend).
 */
async function oldestTransaction(client: pg.ClientBase): Promise<string | undefined> {
  try {
    const { rows } = await client.query<{ pid: number; seconds: number; user: string; query: string }>(
      `SELECT pid, round(extract(epoch FROM now() - xact_start))::int AS seconds, usename AS user,
              split_part(left(query, 200), E'\n', 1) AS query
         FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL
        ORDER BY xact_start LIMIT 1`,
    );
    const row = rows[0];
    if (!row) return undefined;
    return `the oldest open transaction here is pid ${row.pid} (${row.user}, open ${row.seconds}s): ${row.query}`;
  } catch {
    return undefined;
  }
}

async function withoutLockTimeout<T>(client: pg.ClientBase, work: () => Promise<T>): Promise<T> {
  await client.query('SET lock_timeout = 0');
  try {
    return await work();
  } finally {
    await client.query('RESET lock_timeout').catch(() => undefined);
  }
}

/**
 * Wraps a session in the guards. Core entry points (`applyPending`, `rollback`, `prepareBackfill`,
 * `runBackfillChunk`, …) take a plain client and guard it once; everything under them takes the handle.
 *
 * @example
 * const db = guard(client, { log, retry: { maxAttempts: 5 } });
 * await db.transaction('installing the sync trigger of 3_users.backfill.json', async (tx) => { ... });
 */
export function guard(client: pg.ClientBase, options: GuardOptions): GuardedDb {
  const retry = async <T>(what: string, attempt: () => Promise<T>, call: GuardedCallOptions = {}) => {
    try {
      return await withLockRetry(
        what,
        call.noLockTimeout ? () => withoutLockTimeout(client, attempt) : attempt,
        {
          log: options.log,
          policy: options.retry,
          beforeRetry: call.beforeRetry,
        },
      );
    } catch (error) {
      if (!(error instanceof LockTimeout)) throw error;
      const blocker = await oldestTransaction(client);
      throw blocker ? new LockTimeout(`${error.message}; ${blocker}`, { cause: error.cause }) : error;
    }
  };
  return {
    client,
    log: options.log,
    transaction: (what, work, call) =>
      retry(
        what,
        async () => {
          await client.query('BEGIN');
          try {
            const result = await work(client);
            const last = call?.withCommit?.();
            await client.query(last ? `${last};\nCOMMIT` : 'COMMIT');
            return result;
          } catch (error) {
            await client.query('ROLLBACK').catch(() => undefined);
            throw error;
          }
        },
        call,
      ),
    outsideTransaction: (what, work, call) => retry(what, () => work(client), call),
  };
}

export { DEFAULT_LOCK_RETRY, isLockTimeout, type LockRetryPolicy } from './lock-retry.ts';
