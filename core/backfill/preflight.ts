import type pg from 'pg';
import { MigrationLoadError } from '../errors.ts';
import type { BackfillMigration, Migration } from '../migrations/types.ts';
import { quoteQualified } from '../sql/identifiers.ts';

/** Whether an earlier pending migration's SQL names `name` (it may create or add it; it is not interpreted). */
function named(earlier: readonly Migration[], names: readonly string[]): boolean {
  const wanted = names.map((n) => n.toLowerCase());
  return earlier.some(
    (m) =>
      m.kind === 'schema' &&
      m.up.statements.some((s) => wanted.some((name) => s.sql.toLowerCase().includes(name))),
  );
}

async function existingColumns(client: pg.ClientBase, table: string): Promise<Set<string> | undefined> {
  const { rows } = await client.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [
    quoteQualified(table),
  ]);
  const oid = rows[0]?.oid;
  if (!oid) return undefined;
  const columns = await client.query<{ name: string }>(
    'SELECT attname AS name FROM pg_attribute WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped',
    [oid],
  );
  return new Set(columns.rows.map((r) => r.name));
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
    const columns = await existingColumns(client, spec.table);
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
