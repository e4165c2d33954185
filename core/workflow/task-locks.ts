import type pg from 'pg';
import { DEFAULT_ADVISORY_LOCK_KEY, TaskAdvisoryLock } from '../locks/advisory.ts';
import { LeaseLock } from '../locks/lease.ts';
import type { Log } from '../log.ts';
import { ensureStateSchema } from '../state/schema.ts';

/** How a workflow task holds the locks while it works. */
export interface TaskLockOptions {
  /** The execution that holds the lease (acquired by the AcquireLock task). */
  readonly owner: string;
  /** Lease time to live from now: the lease is renewed when the task starts. */
  readonly ttlMs: number;
  /**
   * `exclusive` for schema changes; `shared` for backfill chunks, which run side by side (partitions)
   * and still keep out anyone taking the exclusive lock (zerodown up, node-pg-migrate).
   */
  readonly mode: 'exclusive' | 'shared';
  /**
   * How long to wait for the advisory lock. A session of an earlier attempt that timed out can hold it
   * until the server notices the connection is gone. @default 10000
   */
  readonly waitMs?: number;
  readonly advisoryKey?: bigint;
  readonly log: Log;
}

/**
 * Runs one workflow task's work: renews the execution's lease (throwing `LeaseLost` when another owner
 * took it over: nothing may change then) and holds the advisory lock on the task's own connection for
 * the duration of `work`.
 *
 * @example
 * await withTaskLocks(client, { owner: executionId, ttlMs: 900_000, mode: 'exclusive', log }, () => apply());
 */
export async function withTaskLocks<T>(
  client: pg.ClientBase,
  options: TaskLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  await ensureStateSchema(client);
  await new LeaseLock(client).heartbeat(options.owner, options.ttlMs);
  const key = options.advisoryKey ?? DEFAULT_ADVISORY_LOCK_KEY;
  const waitMs = options.waitMs ?? 10_000;
  const advisory = new TaskAdvisoryLock(client, key, options.mode);
  await advisory.acquire(waitMs);
  try {
    return await work();
  } finally {
    await advisory.release().catch(() => undefined);
  }
}

/**
 * Renews the lease without taking the advisory lock (the gate task, whose wait follows, and long
 * in-task waits). Throws `LeaseLost` when the owner no longer holds it.
 *
 * @example
 * await renewLease(client, executionId, gateTimeoutMs + leaseTtlMs);
 */
export async function renewLease(client: pg.ClientBase, owner: string, ttlMs: number): Promise<void> {
  await ensureStateSchema(client);
  await new LeaseLock(client).heartbeat(owner, ttlMs);
}
