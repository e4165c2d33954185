import { finishBackfill, prepareBackfill, runBackfillChunk } from '../../core/backfill/index.ts';
import { InvalidInput, MigrationFailed } from '../../core/errors.ts';
import type { BackfillMigration, Migration } from '../../core/migrations/types.ts';
import { readApplied } from '../../core/state/records.ts';
import { ChunkEventSchema, FinishEventSchema, PlanCarryingEventSchema } from '../events.ts';
import { defineTask } from './define-task.ts';
import { migrationsById } from './migrations.ts';

function backfillOf(all: readonly Migration[], id: string): BackfillMigration {
  const [migration] = migrationsById(all, [id]);
  if (migration?.kind !== 'backfill') throw new InvalidInput(`migration ${id} is not a backfill`);
  return migration;
}

/**
 * PrepareBackfill: installs each pending backfill's sync trigger and splits its key range into
 * partitions (`maxPartitions` unless the spec says), returning one job per partition: the Backfill Map's
 * items. Idempotent: a resumed execution gets the same jobs with their progress.
 *
 * @example
 * const { jobs } = await prepareBackfillTask(deps, migrations)({ plan });
 */
export const prepareBackfillTask = defineTask({
  name: 'prepareBackfill',
  input: PlanCarryingEventSchema,
  logKeys: ({ plan }) => ({ executionId: plan.executionId }),
  locks: ({ plan }) => ({ owner: plan.executionId, mode: 'exclusive' }),
  async run({ event: { plan }, log, settings, migrations, database }) {
    const all = await migrations();
    const wanted = plan.backfill.map((id) => backfillOf(all, id));
    return await database(async (client) => {
      const applied = new Set((await readApplied(client)).map((a) => a.id));
      const jobs = [];
      for (const migration of wanted) {
        if (applied.has(migration.id)) continue;
        jobs.push(
          ...(await prepareBackfill(client, migration, {
            partitions: migration.spec.partitions ?? settings.maxPartitions,
            executionId: plan.executionId,
            log,
          })),
        );
      }
      return { jobs };
    });
  },
});

/**
 * BackfillChunk: runs batches of one partition for up to the chunk budget (cut to the Lambda's remaining
 * time) and returns where it stands; the Map's loop calls it again until `done`. Holds the advisory lock
 * shared, so partitions run side by side while other runners stay out. The result echoes the job (the
 * loop's next input) and carries no row values.
 *
 * @example
 * await backfillChunkTask(deps, migrations)({ job, executionId }, context); // { job, done: false, rowsDone: 52000, … }
 */
export const backfillChunkTask = defineTask({
  name: 'backfillChunk',
  input: ChunkEventSchema,
  logKeys: ({ job, executionId }) => ({ executionId, partition: job.partition }),
  locks: ({ executionId }) => ({ owner: executionId, mode: 'shared' }),
  async run({ event, log, settings, budgetMs, migrations, database }) {
    const { job, executionId } = event;
    const migration = backfillOf(await migrations(), job.migrationId);
    return await database(async (client) => {
      const { cursor: _cursor, ...progress } = await runBackfillChunk(client, migration, job, {
        budgetMs,
        executionId,
        log,
        targetBatchMs: migration.spec.targetBatchMs ?? settings.targetBatchMs,
        lockTimeoutMs: settings.lockTimeoutMs,
      });
      return { job, executionId, release: event.release ?? null, ...progress };
    });
  },
});

/** The Lambda error document `{"errorType","errorMessage"}` a Catch puts in Cause, read back. */
function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/**
 * FinishBackfills: re-raises the first partition failure the Map collected (same error name, same
 * message: the workflow then rolls back), else records every backfill of the plan as applied once all
 * its partitions are done.
 *
 * @example
 * await finishBackfillsTask(deps, migrations)({ plan, results }); // { finished: ['20260101000100.backfill'] }
 */
export const finishBackfillsTask = defineTask({
  name: 'finishBackfills',
  input: FinishEventSchema,
  logKeys: ({ plan }) => ({ executionId: plan.executionId }),
  locks: ({ plan }) => ({ owner: plan.executionId, mode: 'exclusive' }),
  async run({ event: { plan, results }, log, migrations, database }) {
    const failed = results.find((result) => result.failed);
    if (failed) {
      const where = failed.job
        ? ` (partition ${failed.job.partition} of ${failed.job.version}_${failed.job.name})`
        : '';
      const error = new Error(`${causeMessage(failed.failure?.Cause)}${where}`);
      error.name = failed.failure?.Error ?? 'MigrationFailed';
      throw error;
    }
    const all = await migrations();
    const wanted = plan.backfill.map((id) => backfillOf(all, id));
    return await database(async (client) => {
      const finished: string[] = [];
      for (const migration of wanted) {
        if (!(await finishBackfill(client, migration, { executionId: plan.executionId, log }))) {
          throw new MigrationFailed(
            migration.file,
            `${migration.file}: not every partition of the backfill is done; run the release again to resume it`,
          );
        }
        finished.push(migration.id);
      }
      return { finished };
    });
  },
});
