/** Backfill progress as the local runner prints it. */
export interface BackfillProgress {
  readonly migration: string;
  readonly partition: number;
  readonly partitions: number;
  readonly rowsDone: number;
  readonly rowsEstimated: number | null;
  readonly rowsPerSecond: number | null;
  readonly etaSeconds: number | null;
  readonly done: boolean;
}

// biome-ignore lint/suspicious/noExplicitAny: task payloads and results are open-ended JSON
type Json = any;

const numberOr = (value: unknown, fallback: number | null): number | null =>
  typeof value === 'number' && Number.isFinite(value) ? value : fallback;

/**
 * Reads backfill progress from a task's payload and result when the result is a backfill chunk's
 * (`done` and `rowsDone`, as `runBackfillChunk` returns them, at the top or under `progress`); the job
 * (version, name, partition) comes from the result or from the payload's `job`.
 *
 * @example
 * backfillProgress({ job: { name: 'users_display_name', partition: 0, partitions: 2 } }, { done: false, rowsDone: 5000 });
 */
export function backfillProgress(payload: Json, result: Json): BackfillProgress | undefined {
  const chunk = result?.progress ?? result?.chunk ?? result;
  if (
    !chunk ||
    typeof chunk !== 'object' ||
    typeof chunk.done !== 'boolean' ||
    typeof chunk.rowsDone !== 'number'
  ) {
    return undefined;
  }
  const job = result?.job ?? chunk.job ?? payload?.job ?? payload ?? {};
  const name = [job.version, job.name].filter(Boolean).join('_') || 'backfill';
  return {
    migration: name,
    partition: numberOr(job.partition, 0)!,
    partitions: numberOr(job.partitions, 1)!,
    rowsDone: chunk.rowsDone,
    rowsEstimated: numberOr(chunk.rowsEstimated, null),
    rowsPerSecond: numberOr(chunk.rowsPerSecond, null),
    etaSeconds: numberOr(chunk.etaSeconds, null),
    done: chunk.done,
  };
}
