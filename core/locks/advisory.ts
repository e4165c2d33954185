import type pg from 'pg';
import { LockHeld } from '../errors.ts';

/** node-pg-migrate's advisory lock key: a manual `node-pg-migrate up` is refused while zerodown runs. */
export const DEFAULT_ADVISORY_LOCK_KEY = 7241865325823964n;

/**
 * Session-level `pg_try_advisory_lock` on the task's own connection: excludes other runners (zerodown
 * tasks, node-pg-migrate) for as long as the connection holds it.
 *
 * @example
 * const lock = new TaskAdvisoryLock(client);
 * await lock.acquire();
 * try { ... } finally { await lock.release(); }
 */
export class TaskAdvisoryLock {
  /**
   * @param mode `exclusive` excludes every other runner; `shared` (backfill partitions side by side)
   *   excludes only exclusive holders such as `zerodown up` or node-pg-migrate.
   */
  constructor(
    private readonly client: pg.ClientBase,
    readonly key: bigint = DEFAULT_ADVISORY_LOCK_KEY,
    readonly mode: 'exclusive' | 'shared' = 'exclusive',
  ) {}

  /** Tries once; returns whether the lock was taken. */
  async tryAcquire(): Promise<boolean> {
    const fn = this.mode === 'shared' ? 'pg_try_advisory_lock_shared' : 'pg_try_advisory_lock';
    const { rows } = await this.client.query<{ locked: boolean }>(`SELECT ${fn}($1::bigint) AS locked`, [
      this.key.toString(),
    ]);
    return rows[0]?.locked === true;
  }

  /**
   * Takes the lock, polling until `waitMs` has passed; then throws `LockHeld` naming the session that
   * holds it (application_name, pid, client address, since when).
   */
  async acquire(waitMs = 0): Promise<void> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      if (await this.tryAcquire()) return;
      if (Date.now() >= deadline) throw new LockHeld(await this.describeHolder());
      await new Promise((resolve) => setTimeout(resolve, Math.min(500, Math.max(50, deadline - Date.now()))));
    }
  }

  async release(): Promise<void> {
    const fn = this.mode === 'shared' ? 'pg_advisory_unlock_shared' : 'pg_advisory_unlock';
    await this.client.query(`SELECT ${fn}($1::bigint)`, [this.key.toString()]);
  }

  /** Whether another session holds this advisory lock (in any mode). */
  async heldElsewhere(): Promise<boolean> {
    const { rows } = await this.client.query<{ held: boolean }>(
      `SELECT EXISTS (
         SELECT 1 FROM pg_locks
          WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid()
            AND classid::bigint = $1 AND objid::bigint = $2
            AND database = (SELECT oid FROM pg_database WHERE datname = current_database())) AS held`,
      [(this.key >> 32n).toString(), (this.key & 0xffffffffn).toString()],
    );
    return rows[0]?.held === true;
  }

  /** Who holds this advisory lock: application_name, pid, client address and since when. */
  async describeHolder(): Promise<string> {
    const high = this.key >> 32n;
    const low = this.key & 0xffffffffn;
    const { rows } = await this.client.query<{
      pid: number;
      application_name: string;
      client_addr: string | null;
      backend_start: Date;
    }>(
      `SELECT a.pid, a.application_name, a.client_addr::text, a.backend_start
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = $1 AND l.objid::bigint = $2
          AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
          AND ($3 = 'exclusive' OR l.mode = 'ExclusiveLock')`,
      [high.toString(), low.toString(), this.mode],
    );
    const holder = rows[0];
    if (!holder) return `the migration advisory lock ${this.key} is held by another session`;
    return `the migration advisory lock ${this.key} is held by "${holder.application_name || 'unnamed'}" (pid ${holder.pid}${holder.client_addr ? ` from ${holder.client_addr}` : ''}, connected since ${holder.backend_start.toISOString()}); another migration run is in progress`;
  }
}
