import { DEFAULT_TARGET_BATCH_MS } from '../../core/backfill/batch-size.ts';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../../core/db/connection.ts';

/** Settings every task reads (environment variables in Lambda, options locally). */
export interface TaskSettings {
  /** lock_timeout of every statement, ms. */
  readonly lockTimeoutMs: number;
  /** statement_timeout, ms; keep it below the Lambda timeout. */
  readonly statementTimeoutMs: number;
  /** Batch duration backfill sizing aims at, ms. */
  readonly targetBatchMs: number;
  /** Key-range partitions per backfill, and how many run at once. */
  readonly maxPartitions: number;
  /** Lease time to live after each task renews it, ms. */
  readonly leaseTtlMs: number;
  /** Longest a backfill chunk (or an index build wait) runs in one invocation, ms. */
  readonly chunkBudgetMs: number;
}

/**
 * The task settings when nothing says otherwise: the construct's defaults (`MigrationOrchestratorProps`)
 * and the Lambdas' fallback when the environment does not say. The engine's own defaults come from core.
 *
 * @example
 * const lockTimeout = props.lockTimeout ?? Duration.millis(DEFAULT_TASK_SETTINGS.lockTimeoutMs);
 */
export const DEFAULT_TASK_SETTINGS: TaskSettings = {
  lockTimeoutMs: DEFAULT_LOCK_TIMEOUT_MS,
  statementTimeoutMs: 600_000,
  targetBatchMs: DEFAULT_TARGET_BATCH_MS,
  maxPartitions: 4,
  leaseTtlMs: 1_800_000,
  chunkBudgetMs: 300_000,
};

/**
 * Time kept back from the Lambda's remaining time for saving state and returning, ms. The construct
 * keeps `statementTimeout` and `chunkBudget` below the Lambda limit minus this.
 */
export const RESERVE_MS = 30_000;
