import type pg from 'pg';
import { runBackfillToCompletion } from '../backfill/index.ts';
import type { Migration, Phase } from '../migrations/types.ts';
import { type ApplyOptions, applyPending } from './apply.ts';

/** Options of {@link applyRelease}. */
export interface ReleaseOptions extends ApplyOptions {
  /** `all`: expand, then the backfills, then contract; otherwise that one phase. */
  readonly phase: 'expand' | 'contract' | 'all';
  /** Stop after this version. */
  readonly to?: string;
  /** Apply expand migrations older than applied ones (see `assertInOrder`). @default false */
  readonly outOfOrder?: boolean;
}

/**
 * Runs a release on this machine, the way `zerodown up` does: the pending migrations of one phase, or
 * with `phase: 'all'` expand, then each backfill to completion, then contract (whose guard refuses to
 * run before the backfills finished). Every schema migration goes through the one phase applier,
 * `applyPending`, which waits here for detached statements to end. Returns how many migrations were
 * applied (or would be, in a dry run).
 *
 * @example
 * const count = await applyRelease(client, migrations, { phase: 'all', executionId, log, connection });
 */
export async function applyRelease(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  options: ReleaseOptions,
): Promise<number> {
  const phases: Phase[] = options.phase === 'all' ? ['expand', 'backfill', 'contract'] : [options.phase];
  let count = 0;
  for (const phase of phases) {
    const result = await applyPending(client, migrations, { ...options, phases: [phase] });
    count += result.applied.length;
    for (const skipped of result.skippedBackfills) {
      // --phase all: backfill here, between expand and contract
      if (options.phase === 'all' && !options.dryRun && skipped.kind === 'backfill') {
        const progress = await runBackfillToCompletion(client, skipped, {
          executionId: options.executionId,
          log: options.log,
        });
        options.log.info(`backfilled ${skipped.file}: ${progress.rowsDone} rows`);
        count++;
      } else options.log.warn(`skipped backfill ${skipped.file}: run "zerodown backfill" to run it`);
    }
  }
  return count;
}
