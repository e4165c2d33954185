import { rollback } from '../../core/runner/rollback.ts';
import { RollbackEventSchema } from '../events.ts';
import { defineTask } from './define-task.ts';

/**
 * Rollback: runs the downs of what this execution applied, newest first (backfills undone with their
 * expand). A migration without a down stops it with `IrreversibleMigration`; the error then says which
 * failure the rollback was undoing. Refuses (`LeaseLost`) when the lease is no longer this execution's.
 *
 * @example
 * await rollbackTask(deps, migrations)({ plan, failure: { Error: 'MigrationFailed', Cause: '…' } });
 */
export const rollbackTask = defineTask({
  name: 'rollback',
  input: RollbackEventSchema,
  logKeys: ({ plan }) => ({ executionId: plan.executionId }),
  locks: ({ plan }) => ({ owner: plan.executionId, mode: 'exclusive' }),
  async run({ event: { plan, failure }, log, migrations, database }) {
    const all = await migrations();
    try {
      return await database(async (client) => {
        log.warn(`rolling back what this execution applied, after ${failure?.Error ?? 'a failure'}`);
        const { rolledBack } = await rollback(client, all, {
          appliedBy: plan.executionId,
          executionId: plan.executionId,
          log,
          // the new version's views read what the downs drop: its schema goes first
          versionedSchema: plan.versions ? { release: plan.versions.release } : undefined,
        });
        return { rolledBack: rolledBack.map((r) => r.id) };
      });
    } catch (error) {
      if (error instanceof Error && failure?.Error) {
        error.message = `${error.message} (while rolling back after ${failure.Error})`;
      }
      throw error;
    }
  },
});
