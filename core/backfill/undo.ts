import type pg from 'pg';
import { type Log, silentLog } from '../log.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { withLockRetry } from '../runner/lock-retry.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import { readPartitions } from './state.ts';
import { syncObjectNames } from './sync-trigger.ts';

async function dropSyncObjects(
  client: pg.ClientBase,
  migration: BackfillMigration,
  options: { log: Log; forgetProgress: boolean },
): Promise<string | undefined> {
  const names = syncObjectNames(migration.version);
  const { rows } = await client.query<{ table: string; name: string }>(
    `SELECT tgrelid::regclass::text AS table, tgname AS name FROM pg_trigger
      WHERE NOT tgisinternal AND tgname = ANY ($1)`,
    [[names.insertTrigger, names.updateTrigger]],
  );
  await withLockRetry(
    `removing the sync trigger of ${migration.file}`,
    async () => {
      await client.query('BEGIN');
      try {
        for (const t of rows)
          await client.query(`DROP TRIGGER IF EXISTS ${quoteIdent(t.name)} ON ${t.table}`);
        await client.query(`DROP FUNCTION IF EXISTS zerodown.${quoteIdent(names.function)}()`);
        if (options.forgetProgress)
          await client.query('DELETE FROM zerodown.backfills WHERE version = $1', [migration.version]);
        await client.query('COMMIT');
      } catch (error) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      }
    },
    { log: options.log },
  );
  return rows[0]?.table;
}

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
  const log = options.log ?? silentLog;
  const table = await dropSyncObjects(client, migration, { log, forgetProgress: true });
  if (table) log.info(`${migration.file}: sync trigger removed from ${table}`);
}

/**
 * After a backfill failed before any of its batches committed: removes the sync trigger it installed
 * (nothing depends on it yet, and the application should not pay for it while the spec is fixed) and
 * returns true; does nothing and returns false once a batch has committed. The progress rows stay, so
 * the next run resumes, or plans again when the file was fixed.
 *
 * @example
 * if (await removeUnstartedSyncTrigger(client, migration, { log })) log.info('trigger removed');
 */
export async function removeUnstartedSyncTrigger(
  client: pg.ClientBase,
  migration: BackfillMigration,
  options: { log: Log },
): Promise<boolean> {
  if (!migration.spec.sync) return false;
  const partitions = await readPartitions(client, migration.version);
  if (partitions.some((p) => p.cursor !== null || p.status === 'done')) return false;
  const table = await dropSyncObjects(client, migration, { log: options.log, forgetProgress: false });
  if (table)
    options.log.info(
      `${migration.file}: no batch committed; the sync trigger it installed on ${table} is removed`,
    );
  return table !== undefined;
}
