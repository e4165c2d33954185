import type pg from 'pg';
import { MigrationLoadError } from '../errors.ts';
import type { BackfillMigration, Migration } from '../migrations/types.ts';
import { tableColumns, tableOid } from './target.ts';

/** Whether an earlier pending migration's SQL names `name` (it may create or add it; it is not interpreted). */
function named(earlier: readonly Migration[], names: readonly string[]): boolean {
  const wanted = names.map((n) => n.toLowerCase());
  return earlier.some(
    (m) =>
      m.kind === 'schema' &&
      m.up.statements.some((s) => wanted.some((name) => s.sql.toLowerCase().includes(name))),
  );
}

/**
 * Before a release applies anything (the workflow's Plan, `up --phase all`): each pending backfill's
 * table and target columns exist, or a pending migration before it names them. A typo in a backfill
 * file then fails the release before its expand runs, not after it at the backfill. The check is only
 * for names nothing could create: a table or column that an earlier pending migration mentions at all
 * is left to the full check when the backfill starts (`describeTarget`, after the expand).
 *
 * @example
 * await assertBackfillTargetsReachable(client, pendingMigrations(migrations, applied, { phases: ['expand', 'backfill', 'contract'] }));
 */
export async function assertBackfillTargetsReachable(
  client: pg.ClientBase,
  pending: readonly Migration[],
): Promise<void> {
  for (const [index, migration] of pending.entries()) {
    if (migration.kind !== 'backfill') continue;
    const { spec, file } = migration as BackfillMigration;
    const earlier = pending.slice(0, index);
    const oid = await tableOid(client, spec.table);
    const columns = oid ? await tableColumns(client, oid) : undefined;
    const bare = spec.table.split('.').at(-1)!;
    if (!columns) {
      if (named(earlier, [spec.table, bare])) continue;
      throw new MigrationLoadError(
        file,
        `"table": ${spec.table} does not exist and no pending migration before this backfill mentions it; fix the name in the file (nothing has been applied)`,
      );
    }
    for (const column of Object.keys(spec.set)) {
      if (columns.has(column) || named(earlier, [column])) continue;
      throw new MigrationLoadError(
        file,
        `"set": column ${spec.table}.${column} does not exist and no pending migration before this backfill adds it; fix the name in the file (nothing has been applied)`,
      );
    }
  }
}
