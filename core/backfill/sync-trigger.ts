import type pg from 'pg';
import type { GuardedDb } from '../db/guarded.ts';
import { MigrationFailed } from '../errors.ts';
import { compareVersions } from '../migrations/filename.ts';
import type { BackfillMigration, Migration } from '../migrations/types.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import type { BackfillTarget } from './target.ts';

/** Names of the objects that keep one backfill's target columns right for the old application version. */
export function syncObjectNames(version: string) {
  return {
    insertTrigger: `zerodown_sync_${version}_insert`,
    updateTrigger: `zerodown_sync_${version}_update`,
    /** In the `zerodown` schema. */
    function: `sync_${version}`,
  };
}

const TRIGGER_NAME = /^zerodown_sync_(\d+)_(insert|update)$/;
const BODY_QUOTE = '$zerodown_sync$';

/** `ROW(NEW.a, NEW.b) IS DISTINCT FROM ROW(OLD.a, OLD.b)`: the statement changed one of these columns. */
function changedAny(columns: readonly string[]): string {
  const row = (side: string) => `ROW(${columns.map((c) => `${side}.${quoteIdent(c)}`).join(', ')})`;
  return `${row('NEW')} IS DISTINCT FROM ${row('OLD')}`;
}

/**
 * When a target column must be (re)computed on UPDATE: the writer left it as it was (an explicit new
 * value is the new application version's, and stays), and either it is still empty or a column its
 * expression reads changed (the old version edited the source).
 */
function updateCondition(column: string, sources: readonly string[]): string {
  const c = quoteIdent(column);
  const changed = sources.length === 0 ? '' : ` OR ${changedAny(sources)}`;
  return `(NEW.${c} IS NOT DISTINCT FROM OLD.${c} AND (NEW.${c} IS NULL${changed}))`;
}

/**
 * Two-way sync: when an old column must be recomputed on UPDATE: the writer left it as it was and
 * changed a column its `reverse` expression reads (the new version wrote).
 */
function reverseCondition(column: string, sources: readonly string[]): string | undefined {
  if (sources.length === 0) return undefined;
  const c = quoteIdent(column);
  return `(NEW.${c} IS NOT DISTINCT FROM OLD.${c} AND ${changedAny(sources)})`;
}

/**
 * The DDL of the sync trigger: a plpgsql function and two row triggers. The triggers' WHEN conditions
 * are evaluated without entering plpgsql, so the backfill's own UPDATEs (which set the target columns)
 * pay almost nothing for them. Expressions are evaluated over the new row, aliased as the table, so
 * they read exactly as in the batch UPDATE. An expression that fails on a row leaves its column NULL
 * with a WARNING instead of failing the write: the trigger never breaks the application.
 *
 * With `reverse` (two-way sync) the same function also computes the old columns from the new ones when
 * the new version writes; a failing reverse expression fails that write (a value the old version
 * cannot hold must not be stored). It only assigns to NEW in a BEFORE row trigger and runs no
 * statement, so nothing it does fires a trigger again: it cannot recurse. Concurrent writers of a row
 * are ordered by the row lock, and the later one's trigger sees the earlier one's row as OLD.
 *
 * @example
 * syncTriggerSql(target, '20260101000100'); // ['CREATE OR REPLACE FUNCTION zerodown."sync_…"() …', …]
 */
export function syncTriggerSql(target: BackfillTarget, version: string): string[] {
  const names = syncObjectNames(version);
  const fn = `zerodown.${quoteIdent(names.function)}`;
  const alias = quoteIdent(target.relationName);
  const columns = Object.keys(target.set);
  const reverse = Object.keys(target.reverse);
  // an expression over the row's own columns is assigned directly (plpgsql's fast path for simple
  // expressions); any other runs as a query over the row, aliased as the table
  const select = (expression: string, column: string, overNew: string | undefined) =>
    overNew !== undefined
      ? `NEW.${quoteIdent(column)} := (${overNew});`
      : `SELECT (${expression}) INTO NEW.${quoteIdent(column)} FROM (SELECT (NEW).*) AS ${alias};`;
  // a value that fails to compute (a cast the row's data does not allow) must not fail the
  // application's write: the column is left empty, for the batches to fill or to report
  const compute = (column: string) =>
    [
      `BEGIN ${select(target.set[column]!, column, target.overNew?.set[column])}`,
      `EXCEPTION WHEN OTHERS THEN NEW.${quoteIdent(column)} := NULL;`,
      `RAISE WARNING 'zerodown sync trigger: % (%), % left NULL for the backfill', SQLERRM, SQLSTATE, '${column.replaceAll("'", "''")}'; END;`,
    ].join(' ');
  const computeOld = (column: string) =>
    select(target.reverse[column]!, column, target.overNew?.reverse[column]);
  const onUpdate = reverse.flatMap((c) => {
    const condition = reverseCondition(c, target.reverseSources[c] ?? []);
    return condition ? [{ column: c, condition }] : [];
  });
  const body = [
    'BEGIN',
    "  IF TG_OP = 'INSERT' THEN",
    ...columns.map((c) => `    IF NEW.${quoteIdent(c)} IS NULL THEN ${compute(c)} END IF;`),
    ...reverse.map((c) => `    IF NEW.${quoteIdent(c)} IS NULL THEN ${computeOld(c)} END IF;`),
    '  ELSE',
    ...onUpdate.map(({ column, condition }) => `    IF ${condition} THEN ${computeOld(column)} END IF;`),
    ...columns.map((c) => `    IF ${updateCondition(c, target.sources[c] ?? [])} THEN ${compute(c)} END IF;`),
    '  END IF;',
    '  RETURN NEW;',
    'END',
  ].join('\n');
  const insertWhen = [...columns, ...reverse].map((c) => `NEW.${quoteIdent(c)} IS NULL`);
  const updateWhen = [
    ...columns.map((c) => updateCondition(c, target.sources[c] ?? [])),
    ...onUpdate.map((u) => u.condition),
  ];
  return [
    `CREATE OR REPLACE FUNCTION ${fn}() RETURNS trigger LANGUAGE plpgsql AS ${BODY_QUOTE}\n${body}\n${BODY_QUOTE}`,
    `CREATE TRIGGER ${quoteIdent(names.insertTrigger)} BEFORE INSERT ON ${target.sql} FOR EACH ROW WHEN (${insertWhen.join(' OR ')}) EXECUTE FUNCTION ${fn}()`,
    `CREATE TRIGGER ${quoteIdent(names.updateTrigger)} BEFORE UPDATE ON ${target.sql} FOR EACH ROW WHEN (${updateWhen.join(' OR ')}) EXECUTE FUNCTION ${fn}()`,
  ];
}

/**
 * Installs the sync trigger of a backfill unless it is there already (`replace` installs it again);
 * returns whether it installed it. CREATE TRIGGER waits for
 * transactions writing the table to end, so a row written before it is visible to the first batch.
 * Runs under lock_timeout with retries (its lock would otherwise queue the application behind it).
 *
 * @example
 * await installSyncTrigger(guard(client, { log }), migration, target);
 */
export async function installSyncTrigger(
  db: GuardedDb,
  migration: BackfillMigration,
  target: BackfillTarget,
  options: { replace?: boolean } = {},
): Promise<boolean> {
  const { client, log } = db;
  for (const [field, entries] of [
    ['set', target.set],
    ['reverse', target.reverse],
  ] as const) {
    if (
      Object.entries(entries)
        .flat()
        .some((e) => e.includes(BODY_QUOTE))
    ) {
      throw new MigrationFailed(
        migration.file,
        `${migration.file}: ${field} contains ${BODY_QUOTE}, which the sync trigger's body is quoted with; write the expression without it`,
      );
    }
  }
  const names = syncObjectNames(migration.version);
  const { rows } = await client.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM pg_trigger WHERE tgrelid = to_regclass($1) AND tgname = ANY ($2)',
    [target.sql, [names.insertTrigger, names.updateTrigger]],
  );
  if (rows[0]?.n === 2 && !options.replace) return false;
  const statements = syncTriggerSql(target, migration.version);
  await db.transaction(`installing the sync trigger of ${migration.file} on ${target.table}`, async (tx) => {
    await tx.query(`DROP TRIGGER IF EXISTS ${quoteIdent(names.insertTrigger)} ON ${target.sql}`);
    await tx.query(`DROP TRIGGER IF EXISTS ${quoteIdent(names.updateTrigger)} ON ${target.sql}`);
    for (const statement of statements) await tx.query(statement);
  });
  log.info(`${migration.file}: sync trigger installed on ${target.table} (removed by the contract phase)`);
  return true;
}

/** Which of `columns` of `table` (a regclass text) are NOT NULL now. */
async function notNullColumns(client: pg.ClientBase, table: string, columns: readonly string[]) {
  if (columns.length === 0) return [];
  const { rows } = await client.query<{ name: string }>(
    `SELECT attname::text AS name FROM pg_attribute
      WHERE attrelid = $1::regclass AND attname = ANY ($2) AND attnotnull AND NOT attisdropped`,
    [table, columns],
  );
  return rows.map((r) => r.name);
}

/** The sync triggers present in the database, by backfill version. */
async function findSyncTriggers(client: pg.ClientBase) {
  const { rows } = await client.query<{ name: string; table: string }>(
    `SELECT t.tgname AS name, t.tgrelid::regclass::text AS table
       FROM pg_trigger t WHERE NOT t.tgisinternal AND t.tgname LIKE 'zerodown\\_sync\\_%'
      ORDER BY t.tgname`,
  );
  return rows.flatMap((r) => {
    const match = TRIGGER_NAME.exec(r.name);
    return match ? [{ ...r, version: match[1]! }] : [];
  });
}

/**
 * Drops the sync triggers (and their functions) of backfills with a version up to `upToVersion` (all
 * when omitted). The contract phase calls it first: contract drops the old columns the triggers read,
 * and by then no old application version writes. Finds the triggers in the catalog, so a backfill file
 * deleted since leaves nothing behind. The old columns of a two-way sync (`reverse`) lose their NOT
 * NULL with the trigger: the new version's inserts leave them empty until contract drops them.
 * Returns the dropped triggers' names.
 *
 * @example
 * await removeSyncTriggers(guard(client, { log }), migrations, { upToVersion: '20260101000500' });
 */
export async function removeSyncTriggers(
  db: GuardedDb,
  migrations: readonly Migration[],
  options: { upToVersion?: string } = {},
): Promise<string[]> {
  const found = (await findSyncTriggers(db.client)).filter(
    (t) => options.upToVersion === undefined || compareVersions(t.version, options.upToVersion) <= 0,
  );
  const dropped: string[] = [];
  for (const version of new Set(found.map((t) => t.version))) {
    const triggers = found.filter((t) => t.version === version);
    const backfill = migrations.find((m) => m.kind === 'backfill' && m.version === version);
    const file = backfill?.file ?? version;
    // two-way sync kept the old columns filled for the old version; from contract on nothing fills them
    // and no version needs them, so a NOT NULL on one must not refuse the new version's inserts
    const oldColumns = backfill?.kind === 'backfill' ? Object.keys(backfill.spec.reverse ?? {}) : [];
    await db.transaction(`removing the sync trigger of ${file}`, async (tx) => {
      for (const t of triggers) await tx.query(`DROP TRIGGER IF EXISTS ${quoteIdent(t.name)} ON ${t.table}`);
      await tx.query(`DROP FUNCTION IF EXISTS zerodown.${quoteIdent(syncObjectNames(version).function)}()`);
      for (const column of await notNullColumns(tx, triggers[0]!.table, oldColumns)) {
        await tx.query(`ALTER TABLE ${triggers[0]!.table} ALTER COLUMN ${quoteIdent(column)} DROP NOT NULL`);
      }
    });
    dropped.push(...triggers.map((t) => t.name));
    db.log.info(`removed the sync trigger of ${file} from ${triggers[0]!.table}`);
  }
  return dropped;
}
