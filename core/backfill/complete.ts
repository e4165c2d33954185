import type pg from 'pg';
import type { Log } from '../log.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { readApplied, recordApplied, recordEvent } from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { type BackfillProgress, type ChunkOptions, progressOf, runBackfillChunk } from './chunk.ts';
import { assertSameSpec, type BackfillJob, prepareBackfill } from './prepare.ts';
import { readPartitions } from './state.ts';
import { removeUnstartedSyncTrigger } from './undo.ts';

/**
 * When every partition is done, records the backfill as applied in `zerodown.migrations` (so the
 * contract phase may run) and returns true; otherwise returns false. Idempotent, and safe when the
 * workflow's partitions finish at the same moment.
 *
 * @example
 * if (await finishBackfill(client, migration, { executionId, log })) log.info('backfilled');
 */
export async function finishBackfill(
  client: pg.ClientBase,
  migration: BackfillMigration,
  options: { executionId: string; log: Log },
): Promise<boolean> {
  await ensureStateSchema(client);
  const partitions = await readPartitions(client, migration.version);
  assertSameSpec(migration, partitions);
  if (partitions.length === 0 || partitions.some((p) => p.status !== 'done')) return false;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `zerodown.backfill:${migration.version}`,
    ]);
    const applied = (await readApplied(client)).some((a) => a.id === migration.id);
    if (!applied) {
      const startedAt = Math.min(...partitions.map((p) => p.startedAt.getTime()));
      const finishedAt = Math.max(...partitions.map((p) => (p.finishedAt ?? new Date()).getTime()));
      const rows = partitions.reduce((sum, p) => sum + p.rowsDone, 0);
      const updated = partitions.reduce((sum, p) => sum + p.rowsUpdated, 0);
      await recordApplied(client, migration, {
        executionId: options.executionId,
        // the column is an integer: a backfill longer than 24 days is recorded as 24 days
        durationMs: Math.min(2 ** 31 - 1, Math.max(0, finishedAt - startedAt)),
      });
      await recordEvent(client, {
        executionId: options.executionId,
        event: 'backfill_finished',
        migration,
        detail: `${rows} rows in ${partitions.length} partition(s), ${updated} changed`,
      });
      options.log.info(`${migration.file}: backfilled ${rows} rows (${updated} changed)`);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return true;
}

/** Options of `runBackfillToCompletion`. */
export interface CompletionOptions extends Omit<ChunkOptions, 'budgetMs' | 'carry'> {
  partitions?: number;
  /** Called after every chunk of every partition (about once a second per partition). */
  onProgress?: (p: BackfillProgress & { partition: number }) => void;
  /**
   * Opens another connection: with it, the partitions run side by side, one connection each (and the
   * caller's client prepares and finishes). Without it, they run one after another on `client`.
   */
  connect?: () => Promise<pg.ClientBase & { end(): Promise<void> }>;
  /** Time between progress reports. @default 1000 */
  reportEveryMs?: number;
  /** Forget earlier progress and start again (see `prepareBackfill`). */
  restart?: boolean;
}

async function runPartition(
  client: pg.ClientBase,
  migration: BackfillMigration,
  job: BackfillJob,
  options: CompletionOptions,
  stop: { failed: boolean },
): Promise<BackfillProgress> {
  const carry = {};
  for (;;) {
    const progress = await runBackfillChunk(client, migration, job, {
      ...options,
      budgetMs: options.reportEveryMs ?? 1000,
      carry,
    });
    options.onProgress?.({ ...progress, partition: job.partition });
    // another partition failed: stop at this committed batch rather than run on unobserved
    if (progress.done || stop.failed) return progress;
  }
}

/**
 * The CLI's path: prepares the backfill, runs every partition to completion (side by side when
 * `connect` is given), records it as applied, and returns the overall progress. When it fails before
 * any batch committed, the sync trigger it installed is removed again.
 *
 * @example
 * await runBackfillToCompletion(client, migration, { executionId, log, onProgress: (p) => bar.update(p.rowsDone) });
 */
export async function runBackfillToCompletion(
  client: pg.ClientBase,
  migration: BackfillMigration,
  options: CompletionOptions,
): Promise<BackfillProgress> {
  const started = performance.now();
  const jobs = await prepareBackfill(client, migration, {
    partitions: options.partitions,
    executionId: options.executionId,
    log: options.log,
    retry: options.retry,
    restart: options.restart,
  });
  // where every partition stands before the first chunk, so a display knows the whole range at once
  for (const state of await readPartitions(client, migration.version)) {
    options.onProgress?.({ ...progressOf(state), partition: state.partition });
  }
  try {
    return await runPrepared(client, migration, jobs, options, started);
  } catch (error) {
    await removeUnstartedSyncTrigger(client, migration, options).catch((cleanup) =>
      options.log.warn(`${migration.file}: could not remove its sync trigger: ${(cleanup as Error).message}`),
    );
    throw error;
  }
}

async function runPrepared(
  client: pg.ClientBase,
  migration: BackfillMigration,
  jobs: readonly BackfillJob[],
  options: CompletionOptions,
  started: number,
): Promise<BackfillProgress> {
  let results: BackfillProgress[];
  const stop = { failed: false };
  if (options.connect && jobs.length > 1) {
    const connect = options.connect;
    const settled = await Promise.allSettled(
      jobs.map(async (job) => {
        const own = await connect();
        try {
          return await runPartition(own, migration, job, options, stop);
        } catch (error) {
          stop.failed = true;
          throw error;
        } finally {
          await own.end().catch(() => undefined);
        }
      }),
    );
    const failed = settled.find((s) => s.status === 'rejected');
    if (failed) throw failed.reason;
    results = settled.map((s) => (s as PromiseFulfilledResult<BackfillProgress>).value);
  } else {
    results = [];
    for (const job of jobs) results.push(await runPartition(client, migration, job, options, stop));
  }
  await finishBackfill(client, migration, options);
  const rowsDone = results.reduce((sum, p) => sum + p.rowsDone, 0);
  const seconds = (performance.now() - started) / 1000;
  return {
    done: true,
    cursor: results.length === 1 ? results[0]!.cursor : results.map((p) => p.cursor),
    rowsDone,
    rowsEstimated: rowsDone,
    batchSize: Math.max(0, ...results.map((p) => p.batchSize)),
    rowsPerSecond: seconds > 0 ? rowsDone / seconds : 0,
    etaSeconds: 0,
  };
}
