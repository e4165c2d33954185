import type pg from 'pg';
import { guard, type LockRetryPolicy } from '../db/guarded.ts';
import { MigrationFailed } from '../errors.ts';
import type { Log } from '../log.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { recordEvent } from '../state/records.ts';
import { ensureStateSchema } from '../state/schema.ts';
import { DEFAULT_FIRST_BATCH } from './batch-size.ts';
import { planPartitions } from './partitions.ts';
import { forgetPartitions, insertPartition, type PartitionState, readPartitions } from './state.ts';
import { installSyncTrigger } from './sync-trigger.ts';
import { describeTarget } from './target.ts';
import { verifyBackfillTarget } from './verify.ts';

/** One unit of backfill work: a key-range partition of one backfill migration (a Map item in the workflow). */
export interface BackfillJob {
  migrationId: string;
  version: string;
  name: string;
  partition: number;
  partitions: number;
}

/** Options of `prepareBackfill`. */
export interface PrepareOptions {
  /** Key-range partitions; only used the first time (a resume keeps the partitions it started with). @default spec.partitions ?? 1 */
  partitions?: number;
  executionId: string;
  log: Log;
  /** How installing the sync trigger and checking the expressions retry lock_timeout. @default DEFAULT_LOCK_RETRY */
  retry?: Partial<LockRetryPolicy>;
  /** Forget the progress of an earlier start (e.g. after the file changed) and plan again. @default false */
  restart?: boolean;
  /** Tables estimated up to this many rows get exact partition boundaries, larger ones sampled. @default 100000 */
  exactRowsLimit?: number;
}

function jobsOf(migration: BackfillMigration, rows: readonly PartitionState[]): BackfillJob[] {
  return rows.map((r) => ({
    migrationId: migration.id,
    version: migration.version,
    name: migration.name,
    partition: r.partition,
    partitions: r.partitions,
  }));
}

/** Refuses progress that was made with another version of the file: its batches ran other SQL. */
export function assertSameSpec(migration: BackfillMigration, rows: readonly PartitionState[]): void {
  const started = rows.find((r) => r.checksum !== null && r.checksum !== migration.checksum);
  if (started) {
    throw new MigrationFailed(
      migration.file,
      `${migration.file} changed since its backfill started (${started.startedAt.toISOString()}); restore the file, or start the backfill again from the beginning with "zerodown backfill --restart"`,
    );
  }
}

/**
 * Whether the recorded progress may be kept for this version of the file: it was made with the same
 * file, or no batch of it ever committed (then an edited file simply starts over).
 */
function startedWith(migration: BackfillMigration, rows: readonly PartitionState[]): boolean {
  const changed = rows.some((r) => r.checksum !== null && r.checksum !== migration.checksum);
  const untouched = rows.every((r) => r.cursor === null && r.rowsDone === 0 && r.status !== 'done');
  return !(changed && untouched);
}

function sameKey(a: readonly string[] | null, b: readonly string[] | null): boolean {
  return a !== null && b !== null && a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * Prepares a backfill: checks its expressions against the table (`verifyBackfillTarget`), installs its
 * sync trigger (when `spec.sync`), splits the key range into partitions and records one
 * `zerodown.backfills` row per partition. A file edited before any batch committed is planned again. Idempotent: called again (a
 * resume, a retried workflow step) it returns the same jobs and keeps their progress. Concurrent calls
 * agree on one plan (a transaction-level advisory lock per backfill).
 *
 * @example
 * const jobs = await prepareBackfill(client, migration, { partitions: 2, executionId, log });
 */
export async function prepareBackfill(
  client: pg.ClientBase,
  migration: BackfillMigration,
  options: PrepareOptions,
): Promise<BackfillJob[]> {
  await ensureStateSchema(client);
  if (options.restart) {
    await forgetPartitions(client, migration.version);
    options.log.info(`${migration.file}: earlier progress removed, starting again`);
  }
  let existing = await readPartitions(client, migration.version);
  let replace = options.restart === true;
  if (!startedWith(migration, existing)) {
    // the file changed before any batch committed (a typo fixed): nothing ran with the old one
    await forgetPartitions(client, migration.version);
    options.log.info(`${migration.file}: changed before any batch committed; planning it again`);
    existing = [];
    replace = true;
  }
  assertSameSpec(migration, existing);
  const target = await describeTarget(client, migration);
  // nothing is installed until every expression is known to work on the table
  const db = guard(client, options);
  await verifyBackfillTarget(db, migration, target);
  // before planning: rows written from now on are the trigger's, rows before it are the batches'
  if (migration.spec.sync) {
    await installSyncTrigger(db, migration, target, { replace });
  }
  if (existing.length > 0) {
    if (options.partitions !== undefined && options.partitions !== existing.length) {
      options.log.info(
        `${migration.file}: resuming with the ${existing.length} partition(s) it started with (not ${options.partitions})`,
      );
    }
    return jobsOf(migration, existing);
  }
  const count = options.partitions || migration.spec.partitions || 1;
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
      `zerodown.backfill:${migration.version}`,
    ]);
    const raced = await readPartitions(client, migration.version);
    if (raced.length === 0) {
      const planned = await planPartitions(client, target, count, { exactRowsLimit: options.exactRowsLimit });
      for (const [partition, range] of planned.entries()) {
        await insertPartition(client, {
          version: migration.version,
          name: migration.name,
          partition,
          partitions: count,
          table: target.table,
          checksum: migration.checksum,
          key: target.key,
          startKey: range.startKey,
          endKey: range.endKey,
          rowsEstimated: range.rowsEstimated,
          batchSize: migration.spec.batchSize ?? DEFAULT_FIRST_BATCH,
          executionId: options.executionId,
          done: range.endKey === null || sameKey(range.startKey, range.endKey),
        });
      }
      const rows = planned.reduce((sum, p) => sum + p.rowsEstimated, 0);
      await recordEvent(client, {
        executionId: options.executionId,
        event: 'backfill_prepared',
        migration,
        detail: `${count} partition(s) over ${target.table} (${target.key.join(', ')}), about ${Math.round(rows)} rows`,
      });
      options.log.info(
        `${migration.file}: ${count} partition(s) over ${target.table}, about ${Math.round(rows)} rows`,
      );
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
  return jobsOf(migration, await readPartitions(client, migration.version));
}
