import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { type ConnectionOptions, openConnection } from '../db/connection.ts';
import { LockHeld } from '../errors.ts';
import type { Log } from '../log.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { DEFAULT_ADVISORY_LOCK_KEY, TaskAdvisoryLock } from './advisory.ts';
import { LeaseLock } from './lease.ts';

/*
 * The one lock holder: the lease in `zerodown.lock` (who runs migrations, across a whole execution) and
 * the advisory lock on the working session (no other runner while statements run). A command started by
 * hand takes, keeps alive and gives back its own lease (holdMigrationLocks); a workflow task renews the
 * lease its execution took in AcquireLock (withTaskLocks). Both then work under the advisory lock.
 */

/** How the lease is held around the advisory lock. */
interface LeaseHold {
  /** Takes or renews the lease; throws `LockHeld` or `LeaseLost` when it cannot. */
  take(): Promise<void>;
  /** Keeps the lease alive while the work runs; returns how to stop. */
  keepAlive?(): Promise<() => Promise<void>>;
  /** Gives the lease back on every way out. */
  giveBack?(): Promise<void>;
}

async function holdLocks<T>(
  client: pg.ClientBase,
  lease: LeaseHold,
  advisory: { key: bigint; mode: 'exclusive' | 'shared'; waitMs: () => number },
  work: () => Promise<T>,
): Promise<T> {
  await ensureStateSchema(client);
  await lease.take();
  try {
    const lock = new TaskAdvisoryLock(client, advisory.key, advisory.mode);
    await lock.acquire(advisory.waitMs());
    try {
      const stop = await lease.keepAlive?.();
      try {
        return await work();
      } finally {
        await stop?.();
      }
    } finally {
      await lock.release().catch(() => undefined);
    }
  } finally {
    await lease.giveBack?.().catch(() => undefined);
  }
}

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

/**
 * Whether a lease owner is a command run on this machine whose process is gone (`cli:<host>:<pid>:…`,
 * as {@link newRunId} makes them): killed with `kill -9`, or its machine's process table says so.
 */
export function isDeadLocalRun(owner: string): boolean {
  const [prefix, host, pid] = owner.split(':');
  if (prefix !== 'cli' || host !== hostname() || !/^\d+$/.test(pid ?? '')) return false;
  if (Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
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
  const lease = new LeaseLock(client);
  const deadline = Date.now() + (options.waitMs ?? 0);
  const hold: LeaseHold = {
    take: async () => {
      for (;;) {
        try {
          await lease.acquire(options.owner, { release: options.release, ttlMs });
          return;
        } catch (error) {
          // a run on this machine that was killed (kill -9) leaves its lease for ttlMs: once no session
          // holds the advisory lock (its statement has ended too), it is taken over at once
          const holder = await lease.current();
          if (holder?.owner && isDeadLocalRun(holder.owner)) {
            const advisory = new TaskAdvisoryLock(client, options.advisoryKey ?? DEFAULT_ADVISORY_LOCK_KEY);
            if (!(await advisory.heldElsewhere())) {
              if (await lease.release(holder.owner)) {
                options.log.warn(
                  `the lock was held by ${holder.owner}, whose process is gone and whose session has ended; taking it over`,
                );
              }
              continue;
            }
            if (Date.now() >= deadline) {
              throw new LockHeld(
                `the zerodown lock is held by ${holder.owner}, whose process is gone, but its statement still runs on the server (${await advisory.describeHolder()}): wait for it to end, or end it with pg_terminate_backend(pid), then run again`,
              );
            }
          }
          if (Date.now() >= deadline) throw error;
          options.log.info(`waiting for the lock: ${(error as Error).message}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
      }
    },
    keepAlive: async () => {
      const beat = await openConnection({ ...connection, applicationName: 'zerodown-heartbeat' });
      const timer = setInterval(() => {
        new LeaseLock(beat)
          .heartbeat(options.owner, ttlMs)
          .catch((error) => options.log.error(`lease heartbeat failed: ${(error as Error).message}`));
      }, ttlMs / 3);
      return async () => {
        clearInterval(timer);
        await beat.end().catch(() => undefined);
      };
    },
    giveBack: async () => {
      await lease.release(options.owner);
    },
  };
  const key = options.advisoryKey ?? DEFAULT_ADVISORY_LOCK_KEY;
  return await holdLocks(
    client,
    hold,
    { key, mode: 'exclusive', waitMs: () => Math.max(0, deadline - Date.now()) },
    work,
  );
}

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
 * the duration of `work`. The lease stays with the execution (ReleaseLock gives it back).
 *
 * @example
 * await withTaskLocks(client, { owner: executionId, ttlMs: 900_000, mode: 'exclusive', log }, () => apply());
 */
export async function withTaskLocks<T>(
  client: pg.ClientBase,
  options: TaskLockOptions,
  work: () => Promise<T>,
): Promise<T> {
  const lease = new LeaseLock(client);
  const key = options.advisoryKey ?? DEFAULT_ADVISORY_LOCK_KEY;
  const waitMs = options.waitMs ?? 10_000;
  return await holdLocks(
    client,
    { take: async () => void (await lease.heartbeat(options.owner, options.ttlMs)) },
    { key, mode: options.mode, waitMs: () => waitMs },
    work,
  );
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
