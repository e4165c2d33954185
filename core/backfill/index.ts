/**
 * The backfill engine: keyset batches bounded by key ranges, adaptive batch size, throttling,
 * resumable state in `zerodown.backfills`, the dual-write sync trigger and parallel key-range
 * partitions. The workflow calls `prepareBackfill` once, `runBackfillChunk` in a loop per partition
 * (its Map state), then `finishBackfill`; the CLI calls `runBackfillToCompletion`.
 */

export type { BatchResult } from './batch.ts';
export { BatchSizer, DEFAULT_TARGET_BATCH_MS } from './batch-size.ts';
export { type BackfillProgress, type ChunkOptions, progressOf, runBackfillChunk } from './chunk.ts';
export { type CompletionOptions, finishBackfill, runBackfillToCompletion } from './complete.ts';
export { type BackfillJob, type PrepareOptions, prepareBackfill } from './prepare.ts';
export type { BackfillSpec, BackfillThrottle, CustomBackfillBatch } from './spec.ts';
export { BackfillSpecSchema } from './spec.ts';
export { type PartitionState, readPartitions } from './state.ts';
export { removeSyncTriggers, syncObjectNames } from './sync-trigger.ts';
export { undoBackfill } from './undo.ts';
