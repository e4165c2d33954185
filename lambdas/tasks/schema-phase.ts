import type { DetachedReport } from '../../core/detached/drive.ts';
import { LeaseLock } from '../../core/locks/lease.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { PlanCarryingEventSchema } from '../events.ts';
import { defineTask, type Task } from './define-task.ts';
import { migrationsById } from './migrations.ts';

/** What Expand and Contract return: `done: false` while a detached statement is still running. */
export interface SchemaPhaseResult {
  readonly done: boolean;
  /** Applied by this invocation. */
  readonly applied: string[];
  readonly building: DetachedReport | null;
}

/** Renew the lease at most this often while waiting on a detached statement. */
const RENEW_EVERY_MS = 30_000;

/**
 * Expand or Contract: applies the plan's migrations of the phase with the one phase applier
 * (`applyPending`, as `zerodown up` does), under the lease and the advisory lock. Already applied ones
 * are skipped (a retried or resumed task goes on where it stopped). A detached statement (named CREATE
 * INDEX CONCURRENTLY, VALIDATE CONSTRAINT) runs on its own session; when it outlasts the task's budget
 * the task returns `{ done: false, building }` and the workflow waits and calls it again.
 *
 * @example
 * await schemaPhaseTask('expand')(deps, migrations)({ plan }, context); // { done: true, applied: [...] }
 */
export function schemaPhaseTask(phase: 'expand' | 'contract'): Task {
  return defineTask({
    name: phase,
    input: PlanCarryingEventSchema,
    logKeys: ({ plan }) => ({ executionId: plan.executionId, release: plan.release }),
    locks: ({ plan }) => ({ owner: plan.executionId, mode: 'exclusive' }),
    async run({
      event: { plan },
      log,
      settings,
      budgetMs,
      migrations,
      database,
    }): Promise<SchemaPhaseResult> {
      const started = Date.now();
      const all = await migrations();
      migrationsById(all, plan[phase]); // every planned migration is still in the bundle
      return await database(async (client, connection) => {
        let renewed = Date.now();
        const result = await applyPending(client, all, {
          phases: [phase],
          only: plan[phase],
          whatToRunFirst: 'run the release with the backfill phase first',
          executionId: plan.executionId,
          log,
          lintOverride: plan.lintOverride ?? undefined,
          versionedSchema: plan.versions ? { release: plan.versions.release } : undefined,
          connection,
          budgetMs: Math.max(1_000, budgetMs - (Date.now() - started)),
          onWait: async () => {
            if (Date.now() - renewed < RENEW_EVERY_MS) return;
            await new LeaseLock(client).heartbeat(plan.executionId, settings.leaseTtlMs);
            renewed = Date.now();
          },
        });
        const applied = result.applied.map((a) => a.id);
        const building = result.running;
        if (building) {
          log.info(
            building.kind === 'index'
              ? `${building.file}: index ${building.name} is still building (${building.phase ?? 'starting'}${building.percent === null ? '' : `, ${building.percent}%`}); the workflow checks again`
              : `${building.file}: constraint ${building.name} on ${building.table} is still being validated; the workflow checks again`,
          );
        }
        return { done: building === null, applied, building };
      });
    },
  });
}
