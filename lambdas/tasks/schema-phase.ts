import { applyWithIndexBuilds, type IndexBuildReport } from '../../core/index-build/apply.ts';
import { withTaskLocks } from '../../core/locks/hold.ts';
import { LeaseLock } from '../../core/locks/lease.ts';
import type { Migration } from '../../core/migrations/types.ts';
import { prepareContract } from '../../core/runner/apply.ts';
import { assertNoDrift, readApplied } from '../../core/state/records.ts';
import { PlanCarryingEventSchema } from '../events.ts';
import {
  migrationsById,
  parseTaskEvent,
  type TaskDeps,
  type TaskHandler,
  taskLog,
  withDatabase,
  workBudgetMs,
} from './session.ts';

/** What Expand and Contract return: `done: false` while an index build is still running. */
export interface SchemaPhaseResult {
  readonly done: boolean;
  /** Applied by this invocation. */
  readonly applied: string[];
  readonly building: IndexBuildReport | null;
}

/** Renew the lease at most this often while waiting on an index build. */
const RENEW_EVERY_MS = 30_000;

/**
 * Expand or Contract: applies the plan's migrations of the phase, in order, under the lease and the
 * advisory lock. Already applied ones are skipped (a retried or resumed task goes on where it stopped).
 * A named CREATE INDEX CONCURRENTLY runs on its own session; when it outlasts the task's budget the task
 * returns `{ done: false, building }` and the workflow waits and calls it again. Contract first removes
 * the sync triggers of finished backfills and refuses to run before a backfill it depends on finished.
 *
 * @example
 * await schemaPhaseTask('expand', deps, migrations)({ plan }, context); // { done: true, applied: [...] }
 */
export function schemaPhaseTask(
  phase: 'expand' | 'contract',
  deps: TaskDeps,
  migrations: () => Promise<Migration[]>,
): TaskHandler {
  return async (raw, context) => {
    const { plan } = parseTaskEvent(phase, PlanCarryingEventSchema, raw);
    const log = taskLog(deps.log, { task: phase, executionId: plan.executionId, release: plan.release });
    const budget = workBudgetMs(deps.settings, context);
    const started = Date.now();
    const all = await migrations();
    const wanted = migrationsById(all, plan[phase]);
    return await withDatabase(deps, phase, (client, connection) =>
      withTaskLocks(
        client,
        { owner: plan.executionId, ttlMs: deps.settings.leaseTtlMs, mode: 'exclusive', log },
        async (): Promise<SchemaPhaseResult> => {
          const appliedRows = await readApplied(client);
          assertNoDrift(all, appliedRows);
          const applied = new Set(appliedRows.map((a) => a.id));
          const done: string[] = [];
          let renewed = Date.now();
          const onWait = async () => {
            if (Date.now() - renewed < RENEW_EVERY_MS) return;
            await new LeaseLock(client).heartbeat(plan.executionId, deps.settings.leaseTtlMs);
            renewed = Date.now();
          };
          for (const migration of wanted) {
            if (applied.has(migration.id) || migration.kind !== 'schema') continue;
            if (phase === 'contract') {
              await prepareContract(client, all, migration, {
                applied,
                whatToRun: 'run the release with the backfill phase first',
                log,
              });
            }
            const outcome = await applyWithIndexBuilds(client, migration, {
              executionId: plan.executionId,
              log,
              lintOverride: plan.lintOverride ?? undefined,
              connection,
              budgetMs: Math.max(1_000, budget - (Date.now() - started)),
              onWait,
            });
            if (outcome.status === 'building') {
              const { build } = outcome;
              log.info(
                build.kind === 'index'
                  ? `${build.file}: index ${build.index} is still building (${build.phase ?? 'starting'}${build.percent === null ? '' : `, ${build.percent}%`}); the workflow checks again`
                  : `${build.file}: constraint ${build.index} on ${build.table} is still being validated; the workflow checks again`,
              );
              return { done: false, applied: done, building: build };
            }
            done.push(migration.id);
          }
          return { done: true, applied: done, building: null };
        },
      ),
    );
  };
}
