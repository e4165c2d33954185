import type pg from 'pg';

/** Columns, types, defaults, indexes and constraints of the public schema, for before/after comparisons. */
export async function catalogSnapshot(
  client: pg.ClientBase,
  schema = 'public',
): Promise<Record<string, string[]>> {
  const columns = await client.query(
    `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' || coalesce(column_default, '') AS line
       FROM information_schema.columns WHERE table_schema = $1 ORDER BY 1`,
    [schema],
  );
  const indexes = await client.query(
    `SELECT indexdef || CASE WHEN i.indisvalid THEN '' ELSE ' INVALID' END AS line
       FROM pg_indexes x JOIN pg_class c ON c.relname = x.indexname JOIN pg_index i ON i.indexrelid = c.oid
      WHERE x.schemaname = $1 ORDER BY 1`,
    [schema],
  );
  const constraints = await client.query(
    `SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(c.oid) || ' validated=' || convalidated AS line
       FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE n.nspname = $1 ORDER BY 1`,
    [schema],
  );
  return {
    columns: columns.rows.map((r) => r.line),
    indexes: indexes.rows.map((r) => r.line),
    constraints: constraints.rows.map((r) => r.line),
  };
}
