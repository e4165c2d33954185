import type pg from 'pg';
import type { BackfillMigration } from '../migrations/types.ts';

/**
 * Undoes what running a backfill left in zerodown's state, when it is rolled back: its progress rows.
 * The backfilled values themselves go away with the expand migration's down (which drops the column).
 *
 * @example
 * await undoBackfill(client, migration);
 */
export async function undoBackfill(client: pg.ClientBase, migration: BackfillMigration): Promise<void> {
  await client.query('DELETE FROM zerodown.backfills WHERE version = $1 AND name = $2', [
    migration.version,
    migration.name,
  ]);
}
