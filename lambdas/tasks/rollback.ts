import { withTaskLocks } from '../../core/locks/hold.ts';
import type { Migration } from '../../core/migrations/types.ts';
import { rollback } from '../../core/runner/rollback.ts';
import { RollbackEventSchema } from '../events.ts';
import { parseTaskEvent, type TaskDeps, type TaskHandler, taskLog, withDatabase } from './session.ts';

/**
 * Rollback: runs the downs of what this execution applied, newest first (backfills undone with their
 * expand). A migration without a down stops it with `IrreversibleMigration`; the error then says which
 * failure the rollback was undoing. Refuses (`LeaseLost`) when the lease is no longer this execution's.
 *
 * @example
 * await rollbackTask(deps, migrations)({ plan, failure: { Error: 'MigrationFailed', Cause: '…' } });
 */
export function rollbackTask(deps: TaskDeps, migrations: () => Promise<Migration[]>): TaskHandler {
  return async (raw) => {
    const { plan, failure } = parseTaskEvent('rollback', RollbackEventSchema, raw);
    const log = taskLog(deps.log, { task: 'rollback', executionId: plan.executionId });
    const all = await migrations();
    try {
      return await withDatabase(deps, 'rollback', (client) =>
        withTaskLocks(
          client,
          { owner: plan.executionId, ttlMs: deps.settings.leaseTtlMs, mode: 'exclusive', log },
          async () => {
            log.warn(`rolling back what this execution applied, after ${failure?.Error ?? 'a failure'}`);
            const { rolledBack } = await rollback(client, all, {
              appliedBy: plan.executionId,
              executionId: plan.executionId,
              log,
            });
            return { rolledBack: rolledBack.map((r) => r.id) };
          },
        ),
      );
    } catch (error) {
      if (error instanceof Error && failure?.Error) {
        error.message = `${error.message} (while rolling back after ${failure.Error})`;
      }
      throw error;
    }
  };
}
