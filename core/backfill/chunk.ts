import type pg from 'pg';
import { DEFAULT_LOCK_TIMEOUT_MS } from '../db/connection.ts';
import { guard, type LockRetryPolicy } from '../db/guarded.ts';
import { LockHeld, MigrationFailed, StatementTimeout } from '../errors.ts';
import type { Log } from '../log.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { type BatchResult, QUERY_CANCELED, runBatch } from './batch.ts';
import { BatchSizer, DEFAULT_MAX_BATCH, DEFAULT_MIN_BATCH, DEFAULT_TARGET_BATCH_MS } from './batch-size.ts';
import { assertSameSpec, type BackfillJob } from './prepare.ts';
import type { BackfillThrottle } from './spec.ts';
import { markPartition, type PartitionState, readPartition, saveBatchSize } from './state.ts';
import { describeTarget } from './target.ts';
import { waitForCapacity } from './throttle.ts';

/** Where a partition stands: returned by every chunk, and what the workflow's loop decides on. */
export interface BackfillProgress {
  done: boolean;
  /** The last committed key (text values in key order); null before the first batch. */
  cursor: unknown;
  /** Rows of the key range behind the cursor. */
  rowsDone: number;
  /** Rows of the whole key range (estimated until done). */
  rowsEstimated: number;
  /** Rows the next batch will take. */
  batchSize: number;
  rowsPerSecond: number;
  /** Seconds left at the current rate; 0 when done, null before any rate is known. */
  etaSeconds: number | null;
}

/** Options of `runBackfillChunk`. */
export interface ChunkOptions {
  /** Run batches until this much time is spent (e.g. the Lambda's remaining time minus a margin). */
  budgetMs: number;
  executionId: string;
  log: Log;
  /** Batch duration adaptive sizing aims at. @default spec.targetBatchMs ?? 100 */
  targetBatchMs?: number;
  /** lock_timeout of each batch. @default 500 */
  lockTimeoutMs?: number;
  /** Pauses between batches. @default spec.throttle */
  throttle?: BackfillThrottle;
  /** How batches that hit lock_timeout are retried. @default DEFAULT_LOCK_RETRY */
  retry?: Partial<LockRetryPolicy>;
  /** Called after every committed batch (benchmarks, tests, progress displays). */
  onBatch?: (batch: BatchResult) => void;
  /**
   * Carries adaptive sizing from one call to the next call on the same partition in this process (the
   * CLI's loop), so the next call remembers the recent batches. Without it, a call starts from the saved
   * batch size.
   */
  carry?: { sizer?: BatchSizer };
}

/** Progress from a partition's saved state. */
export function progressOf(state: PartitionState, batchSize = state.batchSize): BackfillProgress {
  const done = state.status === 'done';
  const rowsEstimated = Math.max(state.rowsEstimated, state.rowsDone);
  const rate = state.rowsPerSecond ?? 0;
  return {
    done,
    cursor: state.cursor,
    rowsDone: state.rowsDone,
    rowsEstimated,
    batchSize,
    rowsPerSecond: rate,
    etaSeconds: done ? 0 : rate > 0 ? Math.max(0, rowsEstimated - state.rowsDone) / rate : null,
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));

/** Statement timeouts in a row (each with a 4x smaller batch) before a batch counts as failed. */
const MAX_STATEMENT_TIMEOUTS = 3;

/**
 * Runs batches of one partition until it is done or `budgetMs` is spent (the next batch would not fit),
 * saving the state after every batch; returns where the partition stands. Batches are keyset ranges
 * sized adaptively toward `targetBatchMs`; a batch that hits lock_timeout backs off and is retried
 * with half the rows; the throttle pauses between batches. A call on a done partition returns at once.
 *
 * @example
 * let progress;
 * do progress = await runBackfillChunk(client, migration, job, { budgetMs: 60_000, executionId, log });
 * while (!progress.done);
 */
export async function runBackfillChunk(
  client: pg.ClientBase,
  migration: BackfillMigration,
  job: BackfillJob,
  options: ChunkOptions,
): Promise<BackfillProgress> {
  const started = performance.now();
  const deadline = started + options.budgetMs;
  await ensureStateSchema(client);
  const state = await readPartition(client, migration.version, job.partition);
  if (!state) {
    throw new MigrationFailed(
      migration.file,
      `${migration.file}: partition ${job.partition} of its backfill was never prepared; call prepareBackfill (or run "zerodown backfill") first`,
    );
  }
  assertSameSpec(migration, [state]);
  if (state.status === 'done') return progressOf(state);
  const { spec } = migration;
  const targetMs = options.targetBatchMs ?? spec.targetBatchMs ?? DEFAULT_TARGET_BATCH_MS;
  const sizer =
    options.carry?.sizer ??
    new BatchSizer(state.batchSize, {
      targetMs,
      min: spec.minBatchSize ?? Math.min(DEFAULT_MIN_BATCH, spec.batchSize ?? DEFAULT_MIN_BATCH),
      max: spec.maxBatchSize ?? DEFAULT_MAX_BATCH,
    });
  if (options.carry) options.carry.sizer = sizer;
  const guards = {
    lockTimeoutMs: options.lockTimeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS,
    // far above any batch adaptive sizing aims at: only a runaway batch meets it, and shrinks
    statementTimeoutMs: Math.max(5_000, 20 * targetMs),
  };
  const throttle = options.throttle ?? spec.throttle ?? {};
  const db = guard(client, options);
  const target = await describeTarget(client, migration);
  let partition = { id: state.id, cursor: state.cursor, endKey: state.endKey };
  let rowsDone = state.rowsDone;
  let rowsThisCall = 0;
  let lastBatchMs = 0;
  let batches = 0;
  let done = false;
  let timeouts = 0;
  const rate = () => {
    const seconds = (performance.now() - started) / 1000;
    return seconds > 0 && rowsThisCall > 0 ? rowsThisCall / seconds : (state.rowsPerSecond ?? 0);
  };
  // one worker per partition: a second one would redo the same batches and count them twice
  const lockKey = `zerodown.backfill-partition:${state.id}`;
  const locked = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [
    lockKey,
  ]);
  if (!locked.rows[0]?.ok) {
    throw new LockHeld(
      `${migration.file}: partition ${job.partition} of its backfill is being run by another worker (see pg_locks, advisory); wait for it, or end that session`,
    );
  }
  await markPartition(client, state.id, { status: 'running', executionId: options.executionId });
  try {
    while (!done && options.budgetMs > 0) {
      if (batches > 0 && performance.now() + Math.max(lastBatchMs, targetMs) > deadline) break;
      if (!(await waitForCapacity(client, throttle, { deadline, log: options.log }))) break;
      let result: BatchResult;
      try {
        // runBatch is one transaction of its own (its lock_timeout and statement_timeout set locally)
        result = await db.outsideTransaction(
          `the backfill batch of ${migration.file} on ${target.table}`,
          (c) =>
            runBatch(c, migration, target, partition, sizer.size, guards, {
              executionId: options.executionId,
              rowsPerSecond: (rows) => (rowsThisCall + rows) / ((performance.now() - started) / 1000),
            }),
          { beforeRetry: async () => sizer.shrink() },
        );
      } catch (error) {
        if ((error as { code?: string }).code !== QUERY_CANCELED) throw error;
        if (++timeouts > MAX_STATEMENT_TIMEOUTS) {
          throw new StatementTimeout(
            `${migration.file}: a batch of ${sizer.size} rows on ${target.table} (partition ${job.partition}) ran past its statement_timeout (${guards.statementTimeoutMs}ms: 20 times the batch target, at least 5 s) ${timeouts} times in a row, shrunk each time; the ${rowsDone} rows before it are saved. Its rows' expressions take too long: make them cheaper (an index for a subquery), or raise targetBatchMs in the spec; run it again and it resumes at the saved cursor`,
            { cause: error },
          );
        }
        sizer.shrink(4);
        options.log.warn(
          `a backfill batch of ${migration.file} hit statement_timeout (${guards.statementTimeoutMs}ms); retrying with ${sizer.size} rows`,
        );
        continue;
      }
      timeouts = 0;
      batches++;
      lastBatchMs = result.durationMs;
      rowsThisCall += result.rows;
      rowsDone += result.rows;
      partition = { ...partition, cursor: result.cursor };
      done = result.done;
      sizer.record(result.rows, result.durationMs);
      options.onBatch?.(result);
      options.log.debug(
        `${migration.file} partition ${job.partition}: ${result.rows} rows (${result.updated} changed) in ${Math.round(result.durationMs)}ms; next ${sizer.size}`,
      );
      const pauseMs = throttle.pauseMs ?? 0;
      if (!done && pauseMs > 0) await sleep(Math.min(pauseMs, deadline - performance.now()));
    }
  } catch (error) {
    await markPartition(client, state.id, {
      status: 'failed',
      executionId: options.executionId,
      error: (error as Error).message,
    }).catch(() => undefined);
    throw error;
  } finally {
    await client.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
  }
  // the size adaptive sizing chose for the next batch, so the next call (another Lambda) starts there
  if (batches > 0) await saveBatchSize(client, state.id, sizer.size);
  const after = await readPartition(client, migration.version, job.partition);
  const progress = progressOf(after ?? state, sizer.size);
  if (rowsThisCall > 0) {
    progress.rowsPerSecond = rate();
    progress.etaSeconds = progress.done
      ? 0
      : Math.max(0, progress.rowsEstimated - rowsDone) / progress.rowsPerSecond;
  }
  return progress;
}
