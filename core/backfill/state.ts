import type pg from 'pg';

/** Key values as text, in key order: exact for every type (PostgreSQL parses them back with the column's type). */
export type KeyValues = readonly string[];

/** Status of one partition in `zerodown.backfills`. */
export type PartitionStatus = 'pending' | 'running' | 'done' | 'failed';

/** One row of `zerodown.backfills`: the progress of one partition of one backfill. */
export interface PartitionState {
  readonly id: string;
  readonly version: string;
  readonly name: string;
  readonly partition: number;
  readonly partitions: number;
  readonly table: string;
  readonly checksum: string | null;
  /** Exclusive lower bound of the partition's key range; null from the first key. */
  readonly startKey: KeyValues | null;
  /** Inclusive upper bound; null only when the table was empty when the backfill started. */
  readonly endKey: KeyValues | null;
  /** The last key of the last committed batch (exclusive lower bound of the next one). */
  readonly cursor: KeyValues | null;
  readonly rowsDone: number;
  readonly rowsUpdated: number;
  readonly rowsEstimated: number;
  readonly batchSize: number;
  readonly batches: number;
  readonly status: PartitionStatus;
  readonly rowsPerSecond: number | null;
  readonly lastBatchMs: number | null;
  readonly maxBatchMs: number | null;
  readonly startedAt: Date;
  readonly finishedAt: Date | null;
}

/** The id of a partition's row. */
export function partitionId(version: string, partition: number): string {
  return `${version}/${partition}`;
}

const COLUMNS = `id, version, name, partition, partitions, table_name, checksum, start_key, end_key, cursor,
  rows_done::float8, rows_updated::float8, coalesce(rows_estimated, 0)::float8 AS rows_estimated, batch_size,
  batches::float8, status, rows_per_second, last_batch_ms, max_batch_ms, started_at, finished_at`;

function fromRow(r: Record<string, unknown>): PartitionState {
  return {
    id: r.id as string,
    version: r.version as string,
    name: r.name as string,
    partition: r.partition as number,
    partitions: r.partitions as number,
    table: r.table_name as string,
    checksum: r.checksum as string | null,
    startKey: r.start_key as KeyValues | null,
    endKey: r.end_key as KeyValues | null,
    cursor: r.cursor as KeyValues | null,
    rowsDone: r.rows_done as number,
    rowsUpdated: r.rows_updated as number,
    rowsEstimated: r.rows_estimated as number,
    batchSize: r.batch_size as number,
    batches: r.batches as number,
    status: r.status as PartitionStatus,
    rowsPerSecond: r.rows_per_second as number | null,
    lastBatchMs: r.last_batch_ms as number | null,
    maxBatchMs: r.max_batch_ms as number | null,
    startedAt: r.started_at as Date,
    finishedAt: r.finished_at as Date | null,
  };
}

/** Every partition of a backfill, in partition order; empty when it was never prepared. */
export async function readPartitions(client: pg.ClientBase, version: string): Promise<PartitionState[]> {
  const { rows } = await client.query(
    `SELECT ${COLUMNS} FROM zerodown.backfills WHERE version = $1 ORDER BY partition`,
    [version],
  );
  return rows.map(fromRow);
}

/** Removes every partition of a backfill (its progress): a restart, a replan, a rollback. */
export async function forgetPartitions(client: pg.ClientBase, version: string): Promise<void> {
  await client.query('DELETE FROM zerodown.backfills WHERE version = $1', [version]);
}

/** One partition, or undefined. */
export async function readPartition(
  client: pg.ClientBase,
  version: string,
  partition: number,
): Promise<PartitionState | undefined> {
  const { rows } = await client.query(`SELECT ${COLUMNS} FROM zerodown.backfills WHERE id = $1`, [
    partitionId(version, partition),
  ]);
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** A new partition, as planned by `prepareBackfill`. */
export interface NewPartition {
  readonly version: string;
  readonly name: string;
  readonly partition: number;
  readonly partitions: number;
  readonly table: string;
  readonly checksum: string;
  readonly key: readonly string[];
  readonly startKey: KeyValues | null;
  readonly endKey: KeyValues | null;
  readonly rowsEstimated: number;
  readonly batchSize: number;
  readonly executionId: string;
  /** An empty key range is done from the start. */
  readonly done: boolean;
}

export async function insertPartition(client: pg.ClientBase, p: NewPartition): Promise<void> {
  await client.query(
    `INSERT INTO zerodown.backfills (id, version, name, partition, partitions, table_name, checksum, key_columns,
       start_key, end_key, cursor, rows_estimated, batch_size, status, execution_id, finished_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $9, $11, $12, $13, $14, CASE WHEN $13 = 'done' THEN now() END)`,
    [
      partitionId(p.version, p.partition),
      p.version,
      p.name,
      p.partition,
      p.partitions,
      p.table,
      p.checksum,
      JSON.stringify(p.key),
      p.startKey === null ? null : JSON.stringify(p.startKey),
      p.endKey === null ? null : JSON.stringify(p.endKey),
      Math.round(p.rowsEstimated),
      p.batchSize,
      p.done ? 'done' : 'pending',
      p.executionId,
    ],
  );
}

/** What one committed batch changes; saved in the batch's own transaction. */
export interface BatchRecord {
  readonly cursor: KeyValues;
  readonly rowsScanned: number;
  readonly rowsUpdated: number;
  readonly batchSize: number;
  readonly durationMs: number;
  readonly rowsPerSecond: number;
  readonly done: boolean;
  readonly executionId: string;
}

export async function recordBatch(client: pg.ClientBase, id: string, batch: BatchRecord): Promise<void> {
  await client.query(
    `UPDATE zerodown.backfills
        SET cursor = $2, rows_done = rows_done + $3, rows_updated = rows_updated + $4, batch_size = $5,
            batches = batches + 1, last_batch_ms = $6, max_batch_ms = greatest(max_batch_ms, $6),
            rows_per_second = $7, execution_id = $9, updated_at = now(), last_error = NULL,
            status = CASE WHEN $8 THEN 'done' ELSE 'running' END,
            finished_at = CASE WHEN $8 THEN now() END,
            rows_estimated = CASE WHEN $8 THEN rows_done + $3 ELSE greatest(rows_estimated, rows_done + $3) END
      WHERE id = $1`,
    [
      id,
      JSON.stringify(batch.cursor),
      batch.rowsScanned,
      batch.rowsUpdated,
      batch.batchSize,
      batch.durationMs,
      batch.rowsPerSecond,
      batch.done,
      batch.executionId,
    ],
  );
}

/** The batch size the next call starts with. */
export async function saveBatchSize(client: pg.ClientBase, id: string, batchSize: number): Promise<void> {
  await client.query('UPDATE zerodown.backfills SET batch_size = $2 WHERE id = $1', [id, batchSize]);
}

/** Marks a partition done without a batch (its range turned out empty). */
export async function markPartitionDone(
  client: pg.ClientBase,
  id: string,
  executionId: string,
): Promise<void> {
  await client.query(
    `UPDATE zerodown.backfills SET status = 'done', finished_at = now(), updated_at = now(), execution_id = $2,
            rows_estimated = rows_done
      WHERE id = $1`,
    [id, executionId],
  );
}

/** Sets the status (running, failed) and the error a failed call met, for `zerodown status`. */
export async function markPartition(
  client: pg.ClientBase,
  id: string,
  update: { status: 'running' | 'failed'; executionId: string; error?: string },
): Promise<void> {
  await client.query(
    `UPDATE zerodown.backfills SET status = $2, execution_id = $3, last_error = $4, updated_at = now()
      WHERE id = $1 AND status <> 'done'`,
    [id, update.status, update.executionId, update.error ?? null],
  );
}

/** A started backfill's progress, summed over its partitions. */
export interface BackfillProgress {
  readonly version: string;
  readonly rowsDone: number;
  readonly rowsEstimated: number | null;
  readonly partitions: number;
  readonly partitionsDone: number;
  readonly rowsPerSecond: number | null;
  readonly lastError: string | null;
  readonly updatedAt: Date;
}

/**
 * The progress of every started backfill, summed over its partitions (what `zerodown status` shows).
 *
 * @example
 * const progress = await readBackfillProgress(client); // [{ version: '20260101000200', rowsDone: 1200, … }]
 */
export async function readBackfillProgress(client: pg.ClientBase): Promise<BackfillProgress[]> {
  const { rows } = await client.query(
    `SELECT version, sum(rows_done)::bigint AS rows_done, sum(rows_estimated)::bigint AS rows_estimated,
            count(*)::int AS partitions, count(*) FILTER (WHERE status = 'done')::int AS partitions_done,
            sum(rows_per_second) AS rows_per_second, max(last_error) AS last_error, max(updated_at) AS updated_at
       FROM zerodown.backfills GROUP BY version`,
  );
  return rows.map((row) => ({
    version: row.version,
    rowsDone: Number(row.rows_done),
    rowsEstimated: row.rows_estimated === null ? null : Number(row.rows_estimated),
    partitions: row.partitions,
    partitionsDone: row.partitions_done,
    rowsPerSecond: row.rows_per_second === null ? null : Number(row.rows_per_second),
    lastError: row.last_error,
    updatedAt: row.updated_at,
  }));
}

/**
 * Rows a second of the backfills that finished here, over all of them (rows done / time taken), or
 * undefined when none has finished or the state schema does not exist: what `zerodown plan` estimates
 * backfill times with.
 *
 * @example
 * const rate = await readFinishedBackfillRate(client); // 41250
 */
export async function readFinishedBackfillRate(client: pg.ClientBase): Promise<number | undefined> {
  const exists = await client.query<{ ok: boolean }>(
    "SELECT to_regclass('zerodown.backfills') IS NOT NULL AS ok",
  );
  if (!exists.rows[0]?.ok) return undefined;
  const { rows } = await client.query<{ rows: string | null; seconds: number | null }>(
    `SELECT sum(rows_done)::text AS rows, sum(extract(epoch FROM finished_at - started_at))::float8 AS seconds
       FROM zerodown.backfills WHERE status = 'done' AND rows_done > 0 AND finished_at > started_at`,
  );
  const done = Number(rows[0]?.rows ?? 0);
  const seconds = rows[0]?.seconds ?? 0;
  return done > 0 && seconds > 0 ? Math.round(done / seconds) : undefined;
}
