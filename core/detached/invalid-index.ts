import type pg from 'pg';
import type { GuardedDb } from '../db/guarded.ts';
import { quoteIdent } from '../sql/identifiers.ts';
import type { SqlStatement } from '../sql/statements.ts';

/** The table and index name a CREATE INDEX CONCURRENTLY statement works on. */
export function concurrentIndexTarget(
  statement: SqlStatement,
): { table: string; index?: string } | undefined {
  const body = statement.node.IndexStmt;
  if (!body?.concurrent) return undefined;
  const relation = body.relation ?? {};
  const table = relation.schemaname
    ? `${quoteIdent(relation.schemaname)}.${quoteIdent(relation.relname)}`
    : quoteIdent(relation.relname);
  return { table, index: body.idxname };
}

/** INVALID indexes on a table (left by failed CONCURRENTLY builds), as qualified names. */
export async function invalidIndexes(client: pg.ClientBase, table: string): Promise<Set<string>> {
  const { rows } = await client.query<{ name: string; relname: string }>(
    `SELECT format('%I.%I', n.nspname, c.relname) AS name, c.relname
       FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE NOT i.indisvalid AND i.indrelid = to_regclass($1)`,
    [table],
  );
  return new Set(rows.map((r) => r.name));
}

/**
 * Drops INVALID indexes with DROP INDEX CONCURRENTLY, so a failed build leaves nothing behind. It
 * waits for older transactions without blocking traffic, so it runs without lock_timeout.
 */
export async function dropInvalidIndexes(db: GuardedDb, names: Iterable<string>): Promise<string[]> {
  const dropped: string[] = [];
  for (const name of names) {
    db.log.warn(`dropping INVALID index ${name} left by a failed CREATE INDEX CONCURRENTLY`);
    await db.outsideTransaction(
      `dropping the INVALID index ${name}`,
      (c) => c.query(`DROP INDEX CONCURRENTLY IF EXISTS ${name}`),
      { noLockTimeout: true },
    );
    dropped.push(name);
  }
  return dropped;
}

/** Invalid indexes on the statement's table that have the statement's index name (an earlier crash). */
export async function leftoverInvalidIndex(
  client: pg.ClientBase,
  target: { table: string; index?: string },
): Promise<string[]> {
  if (!target.index) return [];
  const invalid = await invalidIndexes(client, target.table);
  return [...invalid].filter((name) => name.endsWith(`.${quoteIdentIfNeeded(target.index!)}`));
}

function quoteIdentIfNeeded(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) ? name : quoteIdent(name);
}
