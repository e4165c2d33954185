import type pg from 'pg';
import { assertBackfillTargetsReachable } from '../backfill/preflight.ts';
import { describeBackfill, pendingMigrations } from '../migrations/pending.ts';
import type { Migration, Phase } from '../migrations/types.ts';
import { readApplied } from '../state/records.ts';
import { type AppliedResult, type ApplyOptions, applyPending, showDryRunSql } from './apply.ts';

/** Options of {@link applyRelease}. */
export interface ReleaseOptions extends ApplyOptions {
  /** `all`: expand, then the backfills, then contract; otherwise that one phase. */
  readonly phase: 'expand' | 'contract' | 'all';
  /** Stop after this version. */
  readonly to?: string;
  /** Apply expand migrations older than applied ones (see `assertInOrder`). @default false */
  readonly outOfOrder?: boolean;
}

/** One step of a release, in the order it ran (or would run, in a dry run). */
export interface ReleaseStep extends AppliedResult {
  /** `schema`: an expand or contract migration; `backfill`: a backfill run to completion. */
  readonly kind: 'schema' | 'backfill';
  /** Backfills that ran: rows written. */
  readonly rows?: number;
}

/** What {@link applyRelease} did. */
export interface ReleaseResult {
  /** Applied (or, in a dry run, would be), in order. */
  readonly steps: ReleaseStep[];
  /** Backfills left for `zerodown backfill` (a single phase passes over them). */
  readonly skippedBackfills: string[];
}

/**
 * Runs a release on this machine, the way `zerodown up` does: the pending migrations of one phase, or
 * with `phase: 'all'` expand, then each backfill to completion, then contract (whose guard refuses to
 * run before the backfills finished). Every schema migration goes through the one phase applier,
 * `applyPending`, which waits here for detached statements to end. A dry run of `all` lists each
 * backfill in its place and then shows the contract that would follow it.
 *
 * @example
 * const { steps } = await applyRelease(client, migrations, { phase: 'all', executionId, log, connection });
 */
export async function applyRelease(
  client: pg.ClientBase,
  migrations: readonly Migration[],
  options: ReleaseOptions,
): Promise<ReleaseResult> {
  const phases: Phase[] = options.phase === 'all' ? ['expand', 'backfill', 'contract'] : [options.phase];
  // a backfill naming a table or column nothing creates fails before the expand runs
  if (options.phase === 'all') {
    const pending = pendingMigrations(migrations, await readApplied(client), { phases, to: options.to });
    await assertBackfillTargetsReachable(client, pending);
  }
  const steps: ReleaseStep[] = [];
  const skippedBackfills: string[] = [];
  const wouldBeApplied: string[] = [];
  for (const phase of phases) {
    const result = await applyPending(client, migrations, { ...options, phases: [phase], wouldBeApplied });
    for (const applied of result.applied) {
      steps.push({ ...applied, kind: 'schema' });
      wouldBeApplied.push(applied.id);
    }
    for (const skipped of result.skippedBackfills) {
      if (options.phase !== 'all' || skipped.kind !== 'backfill') {
        options.log.warn(`skipped backfill ${skipped.file}: run "zerodown backfill" to run it`);
        skippedBackfills.push(skipped.file);
        continue;
      }
      // --phase all: backfill here, between expand and contract
      const base = { kind: 'backfill', id: skipped.id, file: skipped.file, phase: skipped.phase } as const;
      if (options.dryRun) {
        const sql = describeBackfill(skipped);
        showDryRunSql(options, sql);
        steps.push({ ...base, durationMs: 0, sql });
        wouldBeApplied.push(skipped.id);
        continue;
      }
      const started = performance.now();
      // the backfill engine loads only for a release that backfills here
      const { runBackfillToCompletion } = await import('../backfill/index.ts');
      const progress = await runBackfillToCompletion(client, skipped, {
        executionId: options.executionId,
        log: options.log,
      });
      options.log.info(`backfilled ${skipped.file}: ${progress.rowsDone} rows`);
      steps.push({ ...base, durationMs: performance.now() - started, rows: progress.rowsDone });
    }
  }
  return { steps, skippedBackfills };
}
