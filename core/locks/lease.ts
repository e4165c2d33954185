import type pg from 'pg';
import { LeaseLost, LockHeld } from '../errors.ts';

/** The lease row: who runs migrations on this database now. */
export interface Lease {
  readonly owner: string;
  readonly release: string | null;
  readonly acquiredAt: Date;
  readonly heartbeatAt: Date;
  readonly expiresAt: Date;
}

interface LeaseRow {
  owner: string | null;
  release: string | null;
  acquired_at: Date | null;
  heartbeat_at: Date | null;
  expires_at: Date | null;
}

function toLease(row: LeaseRow | undefined): Lease | undefined {
  if (!row?.owner) return undefined;
  return {
    owner: row.owner,
    release: row.release,
    acquiredAt: row.acquired_at!,
    heartbeatAt: row.heartbeat_at!,
    expiresAt: row.expires_at!,
  };
}

/**
 * The lease lock in `zerodown.lock`: one row, held by an owner (an execution id) until it is released
 * or expires. It spans a whole execution, deploy gates included. The owner may re-acquire its own lease
 * (resume after a crash); anyone may take over an expired one.
 *
 * @example
 * const lease = new LeaseLock(client);
 * await lease.acquire('exec-1', { release: 'v42', ttlMs: 600_000 });
 */
export class LeaseLock {
  constructor(private readonly client: pg.ClientBase) {}

  /** Takes the lease, or throws `LockHeld` naming the holder, since when and until when. */
  async acquire(owner: string, options: { release?: string; ttlMs: number }): Promise<Lease> {
    const { rows } = await this.client.query<LeaseRow>(
      `UPDATE zerodown.lock
          SET owner = $1, release = $2,
              acquired_at = CASE WHEN owner = $1 THEN acquired_at ELSE clock_timestamp() END,
              heartbeat_at = clock_timestamp(),
              expires_at = clock_timestamp() + make_interval(secs => $3::double precision / 1000)
        WHERE id = 1 AND (owner IS NULL OR owner = $1 OR expires_at < clock_timestamp())
        RETURNING owner, release, acquired_at, heartbeat_at, expires_at`,
      [owner, options.release ?? null, options.ttlMs],
    );
    const lease = toLease(rows[0]);
    if (lease) return lease;
    const holder = await this.current();
    if (!holder) return await this.acquire(owner, options); // released between the two statements
    throw new LockHeld(
      `the zerodown lock is held by ${holder.owner}${holder.release ? ` (release ${holder.release})` : ''} since ${holder.acquiredAt.toISOString()}, until ${holder.expiresAt.toISOString()} unless renewed; wait for it to finish, or release it with "zerodown unlock" if that run is dead`,
    );
  }

  /** Extends the lease; throws `LeaseLost` when this owner no longer holds it. */
  async heartbeat(owner: string, ttlMs: number): Promise<Lease> {
    const { rows } = await this.client.query<LeaseRow>(
      `UPDATE zerodown.lock
          SET heartbeat_at = clock_timestamp(),
              expires_at = clock_timestamp() + make_interval(secs => $2::double precision / 1000)
        WHERE id = 1 AND owner = $1
        RETURNING owner, release, acquired_at, heartbeat_at, expires_at`,
      [owner, ttlMs],
    );
    const lease = toLease(rows[0]);
    if (!lease) {
      const holder = await this.current();
      throw new LeaseLost(
        `lost the zerodown lock: ${owner} no longer holds it${holder ? `; ${holder.owner} took it over at ${holder.acquiredAt.toISOString()}` : ''}`,
      );
    }
    return lease;
  }

  /** Releases the lease if this owner holds it; returns whether it did. */
  async release(owner: string): Promise<boolean> {
    const result = await this.client.query(
      `UPDATE zerodown.lock SET owner = NULL, release = NULL, acquired_at = NULL, heartbeat_at = NULL, expires_at = NULL
        WHERE id = 1 AND owner = $1`,
      [owner],
    );
    return (result.rowCount ?? 0) > 0;
  }

  /** The current holder, if any (expired leases included: they are held until taken over). */
  async current(): Promise<Lease | undefined> {
    const { rows } = await this.client.query<LeaseRow>(
      'SELECT owner, release, acquired_at, heartbeat_at, expires_at FROM zerodown.lock WHERE id = 1',
    );
    return toLease(rows[0]);
  }
}
