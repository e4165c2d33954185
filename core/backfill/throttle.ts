import type pg from 'pg';
import type { Log } from '../log.ts';
import type { BackfillThrottle } from './spec.ts';

/** What the throttle measured on the server. */
export interface ServerLoad {
  /** Largest write/flush/replay lag of any replica in pg_stat_replication, ms (0 without replicas). */
  readonly replicationLagMs: number;
  /** Other client sessions running a statement now. */
  readonly activeConnections: number;
}

/**
 * Why the backfill must wait now, or null when it may run its next batch.
 *
 * @example
 * throttleReason({ replicationLagMs: 4000, activeConnections: 3 }, { maxReplicationLagMs: 1000 });
 * // 'replication lag 4000ms is above 1000ms'
 */
export function throttleReason(load: ServerLoad, throttle: BackfillThrottle): string | null {
  if (throttle.maxReplicationLagMs !== undefined && load.replicationLagMs > throttle.maxReplicationLagMs) {
    return `replication lag ${Math.round(load.replicationLagMs)}ms is above ${throttle.maxReplicationLagMs}ms`;
  }
  if (throttle.maxActiveConnections !== undefined && load.activeConnections > throttle.maxActiveConnections) {
    return `${load.activeConnections} active connections are above ${throttle.maxActiveConnections}`;
  }
  return null;
}

/**
 * Measures what the throttle bounds. Lag columns are NULL for roles without pg_monitor (and once
 * replicas are idle), which reads as no lag.
 */
export async function measureServerLoad(
  client: pg.ClientBase,
  throttle: BackfillThrottle,
): Promise<ServerLoad> {
  let replicationLagMs = 0;
  let activeConnections = 0;
  if (throttle.maxReplicationLagMs !== undefined) {
    const { rows } = await client.query<{ lag_ms: number | null }>(
      `SELECT max(extract(epoch FROM greatest(write_lag, flush_lag, replay_lag)) * 1000)::float8 AS lag_ms
         FROM pg_stat_replication`,
    );
    replicationLagMs = rows[0]?.lag_ms ?? 0;
  }
  if (throttle.maxActiveConnections !== undefined) {
    const { rows } = await client.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE state = 'active' AND backend_type = 'client backend' AND pid <> pg_backend_pid()`,
    );
    activeConnections = rows[0]?.n ?? 0;
  }
  return { replicationLagMs, activeConnections };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits while the server is over a throttle bound, re-measuring every `pollMs`, but not past `deadline`
 * (a `performance.now()` time). Returns true when the next batch may run, false when the deadline came
 * first (the caller returns its progress; the next call waits again).
 *
 * @example
 * if (!(await waitForCapacity(client, { maxActiveConnections: 50 }, { deadline, log }))) return progress;
 */
export async function waitForCapacity(
  client: pg.ClientBase,
  throttle: BackfillThrottle,
  options: { deadline: number; log: Log; pollMs?: number },
): Promise<boolean> {
  if (throttle.maxReplicationLagMs === undefined && throttle.maxActiveConnections === undefined) return true;
  let logged: string | null = null;
  for (;;) {
    const reason = throttleReason(await measureServerLoad(client, throttle), throttle);
    if (reason === null) {
      if (logged !== null) options.log.info('backfill resumes: the server is below its throttle bounds');
      return true;
    }
    if (logged === null) options.log.info(`backfill paused: ${reason}`);
    logged = reason;
    const left = options.deadline - performance.now();
    if (left <= 0) return false;
    await sleep(Math.min(options.pollMs ?? 1000, left));
  }
}
