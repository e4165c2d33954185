import { type GuardedDb, isLockTimeout } from '../db/guarded.ts';
import { MigrationFailed } from '../errors.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import type { BackfillTarget } from './target.ts';

/** One statement PostgreSQL plans (and so checks against the catalog) without running it. */
interface Probe {
  readonly field: string;
  readonly sql: string;
}

/**
 * The statements that show whether a backfill's expressions work on its table: each `set` value as the
 * batch assigns it (its type must fit the column) and as the sync trigger computes it (over the row,
 * aliased as the table), each `reverse` value as two-way sync assigns it, and the `where` as the batches filter on it (it must be a boolean).
 */
export function verificationProbes(target: BackfillTarget, sync: boolean): Probe[] {
  const alias = quoteIdent(target.relationName);
  const probes: Probe[] = [];
  for (const [column, expression] of Object.entries(target.set)) {
    const field = `set.${column}`;
    probes.push({
      field,
      sql: `UPDATE ${target.sql} SET ${quoteIdent(column)} = (${expression}) WHERE false`,
    });
    if (sync) {
      probes.push({
        field,
        sql: `SELECT (${expression}) FROM (SELECT * FROM ${target.sql} LIMIT 0) AS ${alias}`,
      });
    }
  }
  for (const [column, expression] of Object.entries(target.reverse)) {
    probes.push({
      field: `reverse.${column}`,
      sql: `UPDATE ${target.sql} SET ${quoteIdent(column)} = (SELECT (${expression}) FROM (SELECT * FROM ${target.sql} LIMIT 0) AS ${alias}) WHERE false`,
    });
  }
  probes.push({ field: 'where', sql: `SELECT 1 FROM ${target.sql} WHERE (${target.where})` });
  return probes;
}

/**
 * Checks a backfill's expressions against its table before anything is installed or written: every
 * probe is planned with `EXPLAIN` (never run) in a transaction that is rolled back. A typo such as
 * `"set": { "login": "usernam" }` fails here, naming the file and the field, instead of in a sync
 * trigger that would fail every write of the application. Lock waits are retried like any DDL.
 *
 * @example
 * await verifyBackfillTarget(guard(client, { log }), migration, target);
 */
export async function verifyBackfillTarget(
  db: GuardedDb,
  migration: BackfillMigration,
  target: BackfillTarget,
): Promise<void> {
  const probes = verificationProbes(target, migration.spec.sync === true);
  await db.outsideTransaction(
    `checking the expressions of ${migration.file} against ${target.table}`,
    async (client) => {
      // planned in a transaction that is always rolled back: EXPLAIN takes the locks, nothing stays
      await client.query('BEGIN');
      try {
        for (const probe of probes) {
          try {
            await client.query(`EXPLAIN ${probe.sql}`);
          } catch (error) {
            if (isLockTimeout(error)) throw error;
            const pgError = error as Error & { hint?: string };
            throw new MigrationFailed(
              migration.file,
              `${migration.file}: ${probe.field} does not work on ${target.table}: ${pgError.message}${pgError.hint ? ` (${pgError.hint})` : ''}; nothing was installed or written, fix the spec and run again`,
              { cause: error },
            );
          }
        }
      } finally {
        await client.query('ROLLBACK').catch(() => undefined);
      }
    },
  );
}
