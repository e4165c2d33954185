import { scanSync } from 'libpg-query';
import type pg from 'pg';
import { MigrationFailed } from '../errors.ts';
import type { BackfillMigration } from '../migrations/types.ts';
import { quoteIdent, quoteQualified } from '../sql/identifiers.ts';
import { loadSqlParser } from '../sql/statements.ts';
import { parseSqlExpression, type SqlExpression } from './expression.ts';

/** What the backfill engine knows about the table a backfill writes, read from the catalog. */
export interface BackfillTarget {
  /** The table as the spec names it (`users`, `public.users`). */
  readonly table: string;
  /** The table quoted for SQL. */
  readonly sql: string;
  /** The table's own name, unqualified: the alias expressions may use (`users.username`). */
  readonly relationName: string;
  /** Key columns, in key order. */
  readonly key: readonly string[];
  /** Target columns -> SQL expression, as in the spec with its comments removed (checked: one expression each). */
  readonly set: Readonly<Record<string, string>>;
  /** Target column -> the table's columns its expression reads (what the sync trigger watches). */
  readonly sources: Readonly<Record<string, readonly string[]>>;
  /** Rows that still need the backfill, as SQL (one expression, checked). */
  readonly where: string;
  /** Two-way sync: old column -> SQL expression over the new row (checked), empty without `reverse`. */
  readonly reverse: Readonly<Record<string, string>>;
  /** Old column -> the table's columns its `reverse` expression reads. */
  readonly reverseSources: Readonly<Record<string, readonly string[]>>;
  /**
   * `set` and `reverse` expressions rewritten over the trigger's row (`username` -> `NEW."username"`),
   * for those whose column references all name the table's columns: the sync trigger assigns them
   * without running a query per row.
   */
  readonly overNew?: {
    readonly set: Readonly<Record<string, string>>;
    readonly reverse: Readonly<Record<string, string>>;
  };
}

// biome-ignore lint/suspicious/noExplicitAny: the parser's JSON tree is typed loosely on purpose
type ParseNode = any;

/** The ColumnRef nodes of an expression tree. */
function columnRefs(node: ParseNode, into: ParseNode[] = []): ParseNode[] {
  if (Array.isArray(node)) for (const item of node) columnRefs(item, into);
  else if (node && typeof node === 'object') {
    if (node.ColumnRef) into.push(node.ColumnRef);
    else for (const value of Object.values(node)) columnRefs(value, into);
  }
  return into;
}

/**
 * An expression with each column reference (`username`, `users.username`) replaced by `NEW."username"`,
 * or undefined when one cannot be (a `*`, a reference that is not a column of the table or is
 * qualified by another name, a subquery, which could name other tables' columns).
 */
function overNewRow(
  expression: SqlExpression,
  alias: string,
  columns: ReadonlyMap<string, boolean>,
): string | undefined {
  if (JSON.stringify(expression.node).includes('"SubLink"')) return undefined;
  const { tokens } = scanSync(expression.sql);
  const edits: { start: number; end: number; column: string }[] = [];
  for (const ref of columnRefs(expression.node)) {
    const fields: string[] = (ref.fields ?? []).map((f: ParseNode) => f?.String?.sval);
    const column = fields.at(-1);
    if (!column || fields.some((f) => f === undefined)) return undefined;
    if (fields.length > 2 || (fields.length === 2 && fields[0] !== alias) || !columns.has(column))
      return undefined;
    // locations count from the "SELECT " the expression was parsed after
    const first = tokens.findIndex((t) => t.start === ref.location - 'SELECT '.length);
    const last = tokens[first + 2 * fields.length - 2];
    if (first < 0 || !last) return undefined;
    edits.push({ start: tokens[first]!.start, end: last.end, column });
  }
  let sql = expression.sql;
  for (const edit of edits.sort((a, b) => b.start - a.start))
    sql = `${sql.slice(0, edit.start)}NEW.${quoteIdent(edit.column)}${sql.slice(edit.end)}`;
  return sql;
}

/** Names of the columns an expression reads; `*` when it reads the whole row (`users.*`). */
function referencedColumns(node: ParseNode, into: Set<string>): Set<string> {
  if (Array.isArray(node)) for (const item of node) referencedColumns(item, into);
  else if (node && typeof node === 'object') {
    if (node.ColumnRef) {
      const last = node.ColumnRef.fields?.at(-1);
      into.add(last?.A_Star ? '*' : (last?.String?.sval ?? '*'));
    } else for (const value of Object.values(node)) referencedColumns(value, into);
  }
  return into;
}

/** The oid of a spec's table (`schema.table` or `table`, quoted as written), or undefined when there is none. */
export async function tableOid(client: pg.ClientBase, table: string): Promise<number | undefined> {
  const { rows } = await client.query<{ oid: number | null }>('SELECT to_regclass($1)::oid AS oid', [
    quoteQualified(table),
  ]);
  return rows[0]?.oid ?? undefined;
}

/** A table's columns, each with whether it is NOT NULL. */
export async function tableColumns(client: pg.ClientBase, oid: number): Promise<Map<string, boolean>> {
  const { rows } = await client.query<{ name: string; not_null: boolean }>(
    `SELECT attname AS name, attnotnull AS not_null FROM pg_attribute
      WHERE attrelid = $1 AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
    [oid],
  );
  return new Map(rows.map((r) => [r.name, r.not_null]));
}

async function primaryKey(client: pg.ClientBase, oid: number): Promise<string[]> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT a.attname AS name
       FROM pg_index i
       CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, n)
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
      WHERE i.indrelid = $1 AND i.indisprimary
      ORDER BY k.n`,
    [oid],
  );
  return rows.map((r) => r.name);
}

/** Whether a valid, non-partial btree index starts with exactly these columns (ascending): keyset needs one. */
async function hasLeadingIndex(client: pg.ClientBase, oid: number, key: readonly string[]): Promise<boolean> {
  const { rows } = await client.query<{ ok: boolean }>(
    `SELECT EXISTS (
       SELECT 1 FROM pg_index i
         JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_am am ON am.oid = c.relam
        WHERE i.indrelid = $1 AND am.amname = 'btree' AND i.indisvalid AND i.indpred IS NULL
          AND (SELECT array_agg(a.attname ORDER BY k.n)
                 FROM unnest((i.indkey::int2[])[0:$3 - 1], (i.indoption::int2[])[0:$3 - 1])
                      WITH ORDINALITY AS k(attnum, opt, n)
                 JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
                WHERE k.opt & 1 = 0) = $2::name[]
     ) AS ok`,
    [oid, key, key.length],
  );
  return rows[0]?.ok === true;
}

/**
 * Reads what the backfill engine needs about a backfill's table and checks the spec against it: the
 * table and the target columns exist (the expand migration ran), the key is NOT NULL and leads a btree
 * index, and the expressions parse as single expressions.
 *
 * @example
 * const target = await describeTarget(client, migration); // target.key -> ['id']
 */
export async function describeTarget(
  client: pg.ClientBase,
  migration: BackfillMigration,
): Promise<BackfillTarget> {
  await loadSqlParser();
  const { spec, file } = migration;
  const oid = await tableOid(client, spec.table);
  if (!oid) {
    throw new MigrationFailed(file, `${file}: table ${spec.table} does not exist; check "table" in the spec`);
  }
  const columns = await tableColumns(client, oid);
  for (const column of Object.keys(spec.set)) {
    if (!columns.has(column)) {
      throw new MigrationFailed(
        file,
        `${file}: column ${spec.table}.${column} does not exist; apply the expand migration that adds it first (zerodown up)`,
      );
    }
  }
  const key = spec.key === undefined ? await primaryKey(client, oid) : [spec.key].flat();
  if (key.length === 0) {
    throw new MigrationFailed(
      file,
      `${file}: table ${spec.table} has no primary key; set "key" in the spec to NOT NULL column(s) with a btree index`,
    );
  }
  for (const column of key) {
    if (!columns.has(column))
      throw new MigrationFailed(file, `${file}: key column ${spec.table}.${column} does not exist`);
    if (!columns.get(column)) {
      throw new MigrationFailed(
        file,
        `${file}: key column ${spec.table}.${column} is nullable, and rows where it is NULL would never be backfilled; use NOT NULL key column(s)`,
      );
    }
  }
  if (!(await hasLeadingIndex(client, oid, key))) {
    throw new MigrationFailed(
      file,
      `${file}: no btree index on ${spec.table} starts with (${key.join(', ')}), so every batch would scan the table; create one (CONCURRENTLY) in the expand migration or use the primary key`,
    );
  }
  for (const column of Object.keys(spec.reverse ?? {})) {
    if (!columns.has(column)) {
      throw new MigrationFailed(
        file,
        `${file}: column ${spec.table}.${column} named in reverse does not exist; reverse names the old columns that two-way sync keeps in step`,
      );
    }
  }
  const dot = spec.table.indexOf('.');
  const relationName = dot < 0 ? spec.table : spec.table.slice(dot + 1);
  const expressions = (field: 'set' | 'reverse', entries: Record<string, string>) => {
    const sql: Record<string, string> = {};
    const read: Record<string, string[]> = {};
    const overNew: Record<string, string> = {};
    for (const [column, text] of Object.entries(entries)) {
      const expression = parseSqlExpression(file, `${field}.${column}`, text);
      sql[column] = expression.sql;
      const rewritten = overNewRow(expression, relationName, columns);
      if (rewritten !== undefined) overNew[column] = rewritten;
      const names = referencedColumns(expression.node, new Set());
      read[column] = names.has('*') ? [...columns.keys()] : [...names].filter((c) => columns.has(c));
    }
    return { sql, read, overNew };
  };
  const { sql: set, read: sources, overNew: setOverNew } = expressions('set', spec.set);
  const reverse = expressions('reverse', spec.reverse ?? {});
  const where =
    (spec.where === undefined ? undefined : parseSqlExpression(file, 'where', spec.where).sql) ??
    Object.keys(spec.set)
      .map((c) => `${quoteIdent(c)} IS NULL`)
      .join(' OR ');
  return {
    table: spec.table,
    sql: quoteQualified(spec.table),
    relationName,
    key,
    set,
    sources,
    where,
    reverse: reverse.sql,
    reverseSources: reverse.read,
    overNew: { set: setOverNew, reverse: reverse.overNew },
  };
}
