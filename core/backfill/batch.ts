import type pg from 'pg';
import { isLockTimeout } from '../db/guarded.ts';
import { MigrationFailed } from '../errors.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { batchKeysSql, probeSql, updateSql } from './sql.ts';
import { type KeyValues, markPartitionDone, type PartitionState, recordBatch } from './state.ts';
import type { BackfillTarget } from './target.ts';

/** SQLSTATE query_canceled: statement_timeout (or a cancel request). */
export const QUERY_CANCELED = '57014';

/** What one committed batch did. */
export interface BatchResult {
  /** Rows in the batch's key range. */
  readonly rows: number;
  /** Rows the batch changed (rows the spec's `where` still selected). */
  readonly updated: number;
  /** The batch size it ran with. */
  readonly size: number;
  readonly durationMs: number;
  /** The last key of the batch: the partition's cursor now. */
  readonly cursor: KeyValues | null;
  /** The partition has no rows left. */
  readonly done: boolean;
}

/** Session settings of one batch transaction. */
export interface BatchGuards {
  readonly lockTimeoutMs: number;
  readonly statementTimeoutMs: number;
}

function sameKey(a: KeyValues | null, b: KeyValues | null): boolean {
  return a !== null && b !== null && a.length === b.length && a.every((v, i) => v === b[i]);
}

function describeKey(key: KeyValues | null): string {
  return key === null ? 'the first key' : `key (${key.join(', ')})`;
}

/**
 * Runs one batch as its own short transaction: probe the end of the next `size` keys (an index-only
 * scan from the cursor), change the rows of that key range, save the cursor and counters, commit. The
 * progress commits with the rows, so a batch is never half-recorded: after a crash, the next call goes
 * on from the last committed batch.
 *
 * Throws lock timeouts (SQLSTATE 55P03) and statement timeouts (57014) as they are, for the caller to
 * back off and retry; other errors as `MigrationFailed` naming the file, table and key range.
 *
 * @example
 * const result = await runBatch(client, migration, target, partition, 5000, guards, { executionId, rowsPerSecond });
 */
export async function runBatch(
  client: pg.ClientBase,
  migration: BackfillMigration,
  target: BackfillTarget,
  partition: Pick<PartitionState, 'id' | 'cursor' | 'endKey'>,
  size: number,
  guards: BatchGuards,
  record: { executionId: string; rowsPerSecond: (rows: number) => number },
): Promise<BatchResult> {
  const started = performance.now();
  const range = { after: partition.cursor, upTo: partition.endKey };
  await client.query('BEGIN');
  try {
    // A batch is a bounded key range: reading the whole table for it is never the right plan.
    // Asynchronous commit is safe here: the cursor commits with the rows, so a server crash loses
    // both or neither, and the next call redoes the lost batches; it saves a WAL flush wait per batch.
    await client.query(
      `SELECT set_config('lock_timeout', $1, true), set_config('statement_timeout', $2, true),
              set_config('enable_seqscan', 'off', true), set_config('synchronous_commit', 'off', true)`,
      [`${guards.lockTimeoutMs}ms`, `${guards.statementTimeoutMs}ms`],
    );
    const probe = probeSql(target, range, size);
    const found = await client.query<string[]>({
      text: probe.text,
      values: [...probe.values],
      rowMode: 'array',
    });
    const rows = Number(found.rows[0]?.[0] ?? 0);
    let result: BatchResult;
    if (rows === 0) {
      result = { rows: 0, updated: 0, size, durationMs: 0, cursor: partition.cursor, done: true };
    } else {
      const last = found.rows[0]!.slice(1);
      const batchRange = { after: partition.cursor, upTo: last };
      let updated: number;
      if (migration.spec.run) {
        const keys = batchKeysSql(target, batchRange);
        const locked = await client.query<unknown[]>({
          text: keys.text,
          values: [...keys.values],
          rowMode: 'array',
        });
        await migration.spec.run({ keys: locked.rows, client });
        updated = locked.rows.length;
      } else {
        const update = updateSql(target, batchRange);
        updated = (await client.query(update.text, [...update.values])).rowCount ?? 0;
      }
      const done = rows < size || sameKey(last, partition.endKey);
      result = { rows, updated, size, durationMs: 0, cursor: last, done };
    }
    const durationMs = performance.now() - started;
    if (result.cursor !== null) {
      await recordBatch(client, partition.id, {
        cursor: result.cursor,
        rowsScanned: result.rows,
        rowsUpdated: result.updated,
        batchSize: size,
        durationMs,
        rowsPerSecond: record.rowsPerSecond(result.rows),
        done: result.done,
        executionId: record.executionId,
      });
    } else {
      await markPartitionDone(client, partition.id, record.executionId);
    }
    await client.query('COMMIT');
    return { ...result, durationMs: performance.now() - started };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    const code = (error as { code?: string }).code;
    if (isLockTimeout(error) || code === QUERY_CANCELED) throw error;
    throw new MigrationFailed(
      migration.file,
      `${migration.file}: the batch of ${target.table} after ${describeKey(partition.cursor)} failed: ${(error as Error).message}${code ? ` (SQLSTATE ${code})` : ''}; ${
        partition.cursor === null
          ? 'no batch of it has committed, so fix the spec or the data and run the backfill again'
          : 'fix the data and run the backfill again (it resumes here), or fix the spec and run it with --restart (rows already done are skipped by its where)'
      }`,
      { cause: error },
    );
  }
}
