import type pg from 'pg';
import { quoteIdent } from '../sql/identifiers.ts';
import type { TableShape } from './shape.ts';

/** One view of a version's schema: a table of the base schema, its columns as that version names them. */
export interface VersionView {
  /** The table in the base schema. */
  readonly table: string;
  /** The view's name in the version's schema. */
  readonly view: string;
  /** In the table's column order: the table's column, and the name the view shows it under. */
  readonly columns: readonly { readonly column: string; readonly as: string }[];
}

/**
 * The views of the new version: one per table of the base schema (partitions left out, their parent
 * has one), its columns in table order, each shown or hidden and named as its shape says.
 *
 * @example
 * const views = await describeVersionViews(client, newVersionShape(pending));
 */
export async function describeVersionViews(
  client: pg.ClientBase,
  shapes: ReadonlyMap<string, TableShape>,
  baseSchema = 'public',
): Promise<VersionView[]> {
  const { rows } = await client.query<{ table: string; columns: string[] }>(
    `SELECT c.relname::text AS table, array_agg(a.attname::text ORDER BY a.attnum) AS columns
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
      WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
      GROUP BY c.relname ORDER BY c.relname`,
    [baseSchema],
  );
  return rows.flatMap(({ table, columns }) => {
    const shape = shapes.get(table);
    if (shape?.dropped) return [];
    return [
      {
        table,
        view: shape?.view ?? table,
        columns: columns
          .filter((c) => !shape?.hidden.has(c))
          .map((c) => ({ column: c, as: shape?.renamed.get(c) ?? c })),
      },
    ];
  });
}

/**
 * The DDL of one view: `security_invoker`, so the table's row-level security and grants apply to the
 * user that queries it; one table and plain columns, so PostgreSQL can write through it (INSERT,
 * UPDATE, DELETE, RETURNING, ON CONFLICT).
 *
 * @example
 * viewSql('zd_v42', 'public', { table: 'users', view: 'users', columns: [{ column: 'id', as: 'id' }] });
 * // CREATE VIEW "zd_v42"."users" WITH (security_invoker = true) AS SELECT "id" FROM "public"."users"
 */
export function viewSql(schema: string, baseSchema: string, view: VersionView): string {
  const columns = view.columns
    .map(({ column, as }) =>
      column === as ? quoteIdent(column) : `${quoteIdent(column)} AS ${quoteIdent(as)}`,
    )
    .join(', ');
  return `CREATE VIEW ${quoteIdent(schema)}.${quoteIdent(view.view)} WITH (security_invoker = true) AS SELECT ${columns} FROM ${quoteIdent(baseSchema)}.${quoteIdent(view.table)}`;
}

/**
 * GRANTs that give each view the table's privileges (SELECT, INSERT, UPDATE, DELETE) for every role
 * the table has them for, and those roles USAGE on the schema: the app's role can use its version's
 * views as it used the tables (the views check the table's own grants and policies as well).
 */
export async function grantsSql(
  client: pg.ClientBase,
  schema: string,
  baseSchema: string,
  views: readonly VersionView[],
): Promise<string[]> {
  const { rows } = await client.query<{ table: string; grantee: string; privilege: string }>(
    `SELECT c.relname AS table,
            CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(r.rolname) END AS grantee,
            a.privilege_type AS privilege
       FROM pg_class c
       JOIN pg_namespace n ON n.oid = c.relnamespace
       CROSS JOIN LATERAL aclexplode(c.relacl) a
       LEFT JOIN pg_roles r ON r.oid = a.grantee
      WHERE n.nspname = $1 AND a.grantee <> c.relowner
        AND a.privilege_type IN ('SELECT', 'INSERT', 'UPDATE', 'DELETE')
      ORDER BY 1, 2, 3`,
    [baseSchema],
  );
  const viewOf = new Map(views.map((v) => [v.table, v.view]));
  const statements = rows
    .filter((r) => viewOf.has(r.table))
    .map(
      (r) =>
        `GRANT ${r.privilege} ON ${quoteIdent(schema)}.${quoteIdent(viewOf.get(r.table)!)} TO ${r.grantee}`,
    );
  const grantees = [...new Set(rows.filter((r) => viewOf.has(r.table)).map((r) => r.grantee))];
  return [...grantees.map((g) => `GRANT USAGE ON SCHEMA ${quoteIdent(schema)} TO ${g}`), ...statements];
}
