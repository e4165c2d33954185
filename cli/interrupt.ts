import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../core/db/connection.ts';
import { type HoldOptions, holdMigrationLocks } from '../core/locks/hold.ts';
import { LeaseLock } from '../core/locks/lease.ts';

const SIGNALS = { SIGINT: 2, SIGTERM: 15 } as const;

/**
 * Stops a run that a person (Ctrl-C) or a CI runner (SIGTERM on cancel) interrupts, without leaving the
 * lock behind: from a connection of its own, ends the run's session with pg_terminate_backend (its
 * running statement stops and rolls back; its advisory lock goes with it), gives the lease back, and
 * exits with 128 + the signal's number. Progress recorded up to there stays, so the same command
 * resumes. A second signal exits at once.
 */
async function stopRun(connection: ConnectionOptions, client: pg.Client, owner: string): Promise<void> {
  const other = await openConnection({
    ...connection,
    applicationName: 'zerodown-interrupt',
    connectTimeoutMs: 5_000,
  });
  try {
    const pid = (client as pg.Client & { processID?: number }).processID;
    if (pid) await other.query('SELECT pg_terminate_backend($1)', [pid]);
    await new LeaseLock(other).release(owner);
  } finally {
    await other.end().catch(() => undefined);
  }
}

/**
 * `holdMigrationLocks` for a command: the same locks, and on SIGINT or SIGTERM the run is stopped and
 * its lock released before the process exits (see `stopRun`).
 *
 * @example
 * await holdLocksUntilInterrupted(client, connection, { owner: executionId, log }, () => applyRelease(...));
 */
export async function holdLocksUntilInterrupted<T>(
  client: pg.Client,
  connection: ConnectionOptions,
  options: HoldOptions,
  work: () => Promise<T>,
): Promise<T> {
  let stopping = false;
  // while the run holds the lock, this is what a signal does: other handlers (the embedded PostgreSQL's,
  // which stop its servers and exit) would exit before the lock is given back; they come back afterwards
  const others = Object.keys(SIGNALS).map((signal) => {
    const listeners = process.listeners(signal as NodeJS.Signals);
    for (const listener of listeners) process.off(signal, listener);
    return [signal, listeners] as const;
  });
  const handlers = Object.entries(SIGNALS).map(([signal, number]) => {
    const handler = () => {
      const code = 128 + number;
      if (stopping) process.exit(code);
      stopping = true;
      stopRun(connection, client, options.owner)
        .then(() =>
          options.log.error(
            `interrupted (${signal}): the running statement was stopped and the zerodown lock released; run the same command again to resume`,
          ),
        )
        .catch((error: Error) =>
          options.log.error(
            `interrupted (${signal}); could not release the zerodown lock (${error.message}): it expires on its own, or run "zerodown unlock"`,
          ),
        )
        .finally(() => process.exit(code));
    };
    process.on(signal, handler);
    return [signal, handler] as const;
  });
  try {
    return await holdMigrationLocks(client, connection, options, work);
  } catch (error) {
    // the session was ended on purpose: the signal handler says so in one line and exits
    if (stopping) await new Promise<never>(() => undefined);
    throw error;
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler);
    for (const [signal, listeners] of others) for (const listener of listeners) process.on(signal, listener);
  }
}
