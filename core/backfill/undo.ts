import type pg from 'pg';
import { type Log, silentLog } from '../log.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { withLockRetry } from '../runner/lock-retry.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import { syncObjectNames } from './sync-trigger.ts';

/**
 * Undoes what running a backfill left, when it is rolled back: its sync trigger and function (whose
 * WHEN conditions depend on the columns the expand's down drops) and its progress rows. The
 * backfilled values themselves go away with the expand migration's down (which drops the column).
 *
 * @example
 * await undoBackfill(client, migration, { log });
 */
export async function undoBackfill(
  client: pg.ClientBase,
  migration: BackfillMigration,
  options: { log?: Log } = {},
): Promise<void> {
  const names = syncObjectNames(migration.version);
  const { rows } = await client.query<{ table: string; name: string }>(
    `SELECT tgrelid::regclass::text AS table, tgname AS name FROM pg_trigger
      WHERE NOT tgisinternal AND tgname = ANY ($1)`,
    [[names.insertTrigger, names.updateTrigger]],
  );
  const log = options.log ?? silentLog;
  await withLockRetry(
    `removing the sync trigger of ${migration.file}`,
    async () => {
      await client.query('BEGIN');
      try {
        for (const t of rows)
          await client.query(`DROP TRIGGER IF EXISTS ${quoteIdent(t.name)} ON ${t.table}`);
        await client.query(`DROP FUNCTION IF EXISTS zerodown.${quoteIdent(names.function)}()`);
        await client.query('DELETE FROM zerodown.backfills WHERE version = $1', [migration.version]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    { log },
  );
  if (rows.length > 0) log.info(`${migration.file}: sync trigger removed from ${rows[0]!.table}`);
}
