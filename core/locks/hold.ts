import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../db/connection.ts';
import type { Log } from '../log.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { DEFAULT_ADVISORY_LOCK_KEY, TaskAdvisoryLock } from './advisory.ts';
import { LeaseLock } from './lease.ts';

/** How a command holds the migration locks. */
export interface HoldOptions {
  /** Lease owner; also the execution id recorded with applied migrations. */
  readonly owner: string;
  readonly release?: string;
  /** Lease time to live, renewed every third of it. @default 120000 */
  readonly ttlMs?: number;
  /** Advisory lock key. @default node-pg-migrate's 7241865325823964 */
  readonly advisoryKey?: bigint;
  /** How long to wait for the locks before failing with `LockHeld`. @default 0 */
  readonly waitMs?: number;
  readonly log: Log;
}

/** A run id for commands started by hand: host, pid and a random suffix. */
export function newRunId(prefix = 'cli'): string {
  return `${prefix}:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
}

/**
 * Runs `work` while holding both locks: the lease (renewed in the background on a second connection)
 * and the advisory lock on `client`'s own session. Both are released on every way out.
 *
 * @example
 * await holdMigrationLocks(client, connectionOptions, { owner: newRunId(), log }, async () => applyPending(...));
 */
export async function holdMigrationLocks<T>(
  client: pg.ClientBase,
  connection: ConnectionOptions,
  options: HoldOptions,
  work: () => Promise<T>,
): Promise<T> {
  const ttlMs = options.ttlMs ?? 120_000;
  await ensureStateSchema(client);
  const lease = new LeaseLock(client);
  const advisory = new TaskAdvisoryLock(client, options.advisoryKey ?? DEFAULT_ADVISORY_LOCK_KEY);
  const deadline = Date.now() + (options.waitMs ?? 0);
  for (;;) {
    try {
      await lease.acquire(options.owner, { release: options.release, ttlMs });
      break;
    } catch (error) {
      if (Date.now() >= deadline) throw error;
      options.log.info(`waiting for the lock: ${(error as Error).message}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  let heartbeatClient: pg.Client | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    await advisory.acquire(Math.max(0, deadline - Date.now()));
    heartbeatClient = await openConnection({ ...connection, applicationName: 'zerodown-heartbeat' });
    const beat = heartbeatClient;
    timer = setInterval(() => {
      new LeaseLock(beat)
        .heartbeat(options.owner, ttlMs)
        .catch((error) => options.log.error(`lease heartbeat failed: ${(error as Error).message}`));
    }, ttlMs / 3);
    try {
      return await work();
    } finally {
      await advisory.release().catch(() => undefined);
    }
  } finally {
    if (timer) clearInterval(timer);
    await heartbeatClient?.end().catch(() => undefined);
    await lease.release(options.owner).catch(() => undefined);
  }
}
