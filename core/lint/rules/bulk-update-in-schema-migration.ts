import { type Node, relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';
import { rowBound } from '../where-bounds.ts';

// Up to this many rows by the WHERE bounds a statement is a fix-up, not a bulk change: a warning.
const SMALL_RANGE = 10_000;

/** UPDATE or DELETE of many rows inside a schema migration. */
export const bulkUpdateInSchemaMigration: LintRule = {
  id: 'bulk-update-in-schema-migration',
  title: 'UPDATE or DELETE of many rows in a schema migration',
  severity: { expand: 'error', contract: 'error' },
  why: "An UPDATE or DELETE over many rows runs as one long transaction inside the migration: it locks every row it touches until the end (the application's writes to them wait), bloats the table, holds back vacuum and replication, and on failure rolls back everything. zerodown's backfill phase does the same work in short, resumable, key-ranged batches. zerodown counts a WHERE with `=` or `IN` on an id-like column (id, *_id, key, code, slug, name, email) as a few rows, and passes it; a range on an integer key that bounds the rows to at most 10,000 (`id < 10`, `id BETWEEN 100 AND 199`; keys are counted from 1) is a warning, since a fix-up of a few rows in the migration is reasonable.",
  hint: '{ "table": "users", "set": { "display_name": "username" }, "where": "display_name IS NULL" } -- migrations/<version>_<name>.backfill.json',
  examples: {
    unsafe: { phase: 'expand', sql: 'UPDATE users SET display_name = username WHERE display_name IS NULL;' },
    safe: { phase: 'expand', sql: "UPDATE settings SET value = 'on' WHERE key = 'new_checkout';" },
  },
  check(statement, context) {
    const update = statement.node.UpdateStmt;
    const remove = statement.node.DeleteStmt;
    const stmt = update ?? remove;
    if (!stmt) return [];
    const table = relationKey(stmt.relation);
    const bound = rowBound(stmt.whereClause);
    if (context.facts.isNewTable(table) || (bound && 'few' in bound)) return [];
    const small = bound && 'rows' in bound && bound.rows <= SMALL_RANGE ? bound : undefined;
    if (small) {
      return [
        {
          message: `${update ? 'UPDATE' : 'DELETE FROM'} ${sqlName(table)} touches at most ${small.rows} row(s) by its WHERE bounds (${small.range}): fine as a fix-up; move it to a backfill if it grows`,
          location: stmt.relation?.location,
          downgrade: true,
        },
      ];
    }
    const scope = stmt.whereClause ? 'possibly many rows' : 'every row';
    if (update) {
      const columns = (update.targetList ?? []).map((t: Node) => t.ResTarget?.name).filter(Boolean);
      return [
        {
          message: `UPDATE ${sqlName(table)} changes ${scope} in one transaction inside the migration: row locks until it commits, bloat, no resume; use a backfill`,
          hint: `migrations/<version>_<name>.backfill.json: { "table": "${table}", "set": { ${columns.map((c: string) => `"${c}": "<expression>"`).join(', ')} }${stmt.whereClause ? ', "where": "<the WHERE condition>"' : ''} }`,
          location: stmt.relation?.location,
        },
      ];
    }
    return [
      {
        message: `DELETE FROM ${sqlName(table)} removes ${scope} in one transaction inside the migration: row locks until it commits, bloat, no resume`,
        hint: `DELETE FROM ${sqlName(table)} WHERE id IN (SELECT id FROM ${sqlName(table)} WHERE <condition> LIMIT 1000); -- repeated by a job outside the migration`,
        location: stmt.relation?.location,
      },
    ];
  },
};
