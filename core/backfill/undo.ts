import type pg from 'pg';
import { type GuardedDb, guard, type LockRetryPolicy } from '../db/guarded.ts';
import type { Log } from '../log.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import { forgetPartitions, readPartitions } from './state.ts';
import { syncObjectNames } from './sync-trigger.ts';

async function dropSyncObjects(
  db: GuardedDb,
  migration: BackfillMigration,
  options: { forgetProgress: boolean },
): Promise<string | undefined> {
  const names = syncObjectNames(migration.version);
  const { rows } = await db.client.query<{ table: string; name: string }>(
    `SELECT tgrelid::regclass::text AS table, tgname AS name FROM pg_trigger
      WHERE NOT tgisinternal AND tgname = ANY ($1)`,
    [[names.insertTrigger, names.updateTrigger]],
  );
  await db.transaction(`removing the sync trigger of ${migration.file}`, async (tx) => {
    for (const t of rows) await tx.query(`DROP TRIGGER IF EXISTS ${quoteIdent(t.name)} ON ${t.table}`);
    await tx.query(`DROP FUNCTION IF EXISTS zerodown.${quoteIdent(names.function)}()`);
    if (options.forgetProgress) await forgetPartitions(tx, migration.version);
  });
  return rows[0]?.table;
}

/**
 * Undoes what running a backfill left, when it is rolled back: its sync trigger and function (whose
 * WHEN conditions depend on the columns the expand's down drops) and its progress rows. The
 * backfilled values themselves go away with the expand migration's down (which drops the column).
 *
 * @example
 * await undoBackfill(guard(client, { log }), migration);
 */
export async function undoBackfill(db: GuardedDb, migration: BackfillMigration): Promise<void> {
  const table = await dropSyncObjects(db, migration, { forgetProgress: true });
  if (table) db.log.info(`${migration.file}: sync trigger removed from ${table}`);
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
  options: { log: Log; retry?: Partial<LockRetryPolicy> },
): Promise<boolean> {
  if (!migration.spec.sync) return false;
  const partitions = await readPartitions(client, migration.version);
  if (partitions.some((p) => p.cursor !== null || p.status === 'done')) return false;
  const table = await dropSyncObjects(guard(client, options), migration, { forgetProgress: false });
  if (table)
    options.log.info(
      `${migration.file}: no batch committed; the sync trigger it installed on ${table} is removed`,
    );
  return table !== undefined;
}
