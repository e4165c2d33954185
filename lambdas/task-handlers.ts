import { backfillChunkTask, finishBackfillsTask, prepareBackfillTask } from './tasks/backfill.ts';
import type { TaskDeps, TaskHandler } from './tasks/define-task.ts';
import { fleetPlanTask, fleetRecordTask } from './tasks/fleet.ts';
import { gateTask } from './tasks/gate.ts';
import { acquireLockTask, releaseLockTask } from './tasks/lock.ts';
import { migrationSource } from './tasks/migrations.ts';
import { planTask } from './tasks/plan.ts';
import { rollbackTask } from './tasks/rollback.ts';
import { schemaPhaseTask } from './tasks/schema-phase.ts';

export type { TaskContext, TaskDeps, TaskHandler } from './tasks/define-task.ts';
export type { TaskSettings } from './tasks/settings.ts';

/** Every task of the workflow; each Lambda function carries its name in `ZERODOWN_TASK`. */
export const TASK_NAMES = [
  'plan',
  'acquireLock',
  'expand',
  'gate',
  'prepareBackfill',
  'backfillChunk',
  'finishBackfills',
  'contract',
  'rollback',
  'releaseLock',
] as const;

/**
 * A workflow task. Besides the shared list: `prepareBackfill` (sync triggers and partitions, the
 * Backfill Map's items). Long CREATE INDEX CONCURRENTLY builds are polled by calling `expand` or
 * `contract` again (their result says `done: false`), so they need no task of their own.
 */
export type TaskName = (typeof TASK_NAMES)[number];

/**
 * The tasks only the fleet workflow has (FleetOrchestrator): `fleetPlan` splits the fleet into its
 * canary and waves, `fleetRecord` writes a target's step into that target's own records.
 */
export const FLEET_TASK_NAMES = ['fleetPlan', 'fleetRecord'] as const;
export type FleetTaskName = (typeof FLEET_TASK_NAMES)[number];
/** Any task of either workflow. */
export type AnyTaskName = TaskName | FleetTaskName;

/**
 * Builds every task handler from its dependencies: the same code runs in Lambda (`lambdas/<task>.ts`,
 * with Secrets Manager, TLS and a Powertools logger) and in the local runner (a database URL, a log).
 * Each task is a `defineTask` (lambdas/tasks/define-task.ts): it validates its event, connects, holds its
 * locks, calls `core`, closes the connection, and returns small JSON; errors keep their class name,
 * which becomes the Step Functions error name.
 *
 * @example
 * const handlers = createTaskHandlers({ connection: async () => ({ connection: url }), migrationsDir: 'migrations',
 *   log, settings: { lockTimeoutMs: 500, statementTimeoutMs: 0, targetBatchMs: 100, maxPartitions: 2,
 *   leaseTtlMs: 120_000, chunkBudgetMs: 20_000 } });
 * const plan = await handlers.plan({ input: { release: 'v42' }, executionId: 'local-v42' });
 */
export function createTaskHandlers(deps: TaskDeps): Record<AnyTaskName, TaskHandler> {
  const migrations = migrationSource(deps.migrationsDir);
  return {
    plan: planTask(deps, migrations),
    acquireLock: acquireLockTask(deps, migrations),
    expand: schemaPhaseTask('expand')(deps, migrations),
    gate: gateTask(deps, migrations),
    prepareBackfill: prepareBackfillTask(deps, migrations),
    backfillChunk: backfillChunkTask(deps, migrations),
    finishBackfills: finishBackfillsTask(deps, migrations),
    contract: schemaPhaseTask('contract')(deps, migrations),
    rollback: rollbackTask(deps, migrations),
    releaseLock: releaseLockTask(deps, migrations),
    fleetPlan: fleetPlanTask(deps, migrations),
    fleetRecord: fleetRecordTask(deps, migrations),
  };
}
