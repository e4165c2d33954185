import { LockTimeout } from '../errors.ts';
import type { Log } from '../log.ts';

/** How statements that hit lock_timeout are retried. */
export interface LockRetryPolicy {
  /** Attempts in all, the first included. @default 10 */
  readonly maxAttempts: number;
  /** First backoff, ms; doubles each attempt. @default 200 */
  readonly baseDelayMs: number;
  /** Longest backoff, ms. @default 10000 */
  readonly maxDelayMs: number;
}

export const DEFAULT_LOCK_RETRY: LockRetryPolicy = { maxAttempts: 10, baseDelayMs: 200, maxDelayMs: 10_000 };

/** SQLSTATE lock_not_available: lock_timeout expired (or NOWAIT). */
export const LOCK_NOT_AVAILABLE = '55P03';

export function isLockTimeout(error: unknown): boolean {
  return (error as { code?: string } | null)?.code === LOCK_NOT_AVAILABLE;
}

/** Backoff before attempt `attempt + 1`: exponential with "equal jitter" (half fixed, half random). */
export function backoffDelay(attempt: number, policy: LockRetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Runs `attempt` and retries it when it fails with lock_timeout (SQLSTATE 55P03), with exponential
 * backoff and jitter, logging every attempt. Between attempts the lock queue is released, so traffic
 * behind the DDL flows. `attempt` must be safe to repeat (a whole transaction, or one statement).
 * This is the one place that retries on lock_timeout.
 *
 * @example
 * await withLockRetry('ALTER TABLE users ...', () => client.query(sql), { log });
 */
export async function withLockRetry<T>(
  what: string,
  attempt: (attemptNumber: number) => Promise<T>,
  options: { log: Log; policy?: Partial<LockRetryPolicy>; beforeRetry?: () => Promise<void> },
): Promise<T> {
  const policy = { ...DEFAULT_LOCK_RETRY, ...options.policy };
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (error) {
      if (!isLockTimeout(error)) throw error;
      if (n >= policy.maxAttempts) {
        throw new LockTimeout(
          `${what}: could not get its lock within lock_timeout after ${n} attempts; a long transaction holds a conflicting lock (see pg_locks / pg_stat_activity), end it or retry later`,
          { cause: error },
        );
      }
      const delay = backoffDelay(n, policy);
      options.log.warn(
        `lock_timeout on attempt ${n}/${policy.maxAttempts} of ${what}; retrying in ${delay}ms`,
        {
          attempt: n,
          delayMs: delay,
        },
      );
      await options.beforeRetry?.();
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
