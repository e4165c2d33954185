import { type Node, relationKey, sqlName, strings } from '../ast.ts';
import type { LintRule } from '../types.ts';

// Columns that usually pick out one row or a handful; anything else may match the whole table.
const PICKS_FEW_ROWS = /^(id|key|slug|code|name|email|uuid)$|_(id|key|code|uuid)$/;

function isConstant(node: Node | undefined): boolean {
  if (!node) return false;
  if (node.A_Const || node.ParamRef) return true;
  return node.TypeCast ? isConstant(node.TypeCast.arg) : false;
}

/** A WHERE that names a few rows: `id = 5`, `key IN ('a', 'b')`, possibly AND-ed with more. */
function picksFewRows(where: Node | undefined): boolean {
  if (!where) return false;
  if (where.BoolExpr?.boolop === 'AND_EXPR') return (where.BoolExpr.args ?? []).some(picksFewRows);
  const expr = where.A_Expr;
  if (!expr) return false;
  const column = strings(expr.lexpr?.ColumnRef?.fields).at(-1) ?? '';
  if (!PICKS_FEW_ROWS.test(column)) return false;
  if (expr.kind === 'AEXPR_OP' && strings(expr.name)[0] === '=') return isConstant(expr.rexpr);
  if (expr.kind === 'AEXPR_IN') return (expr.rexpr?.List?.items ?? []).every(isConstant);
  return false;
}

/** UPDATE or DELETE of many rows inside a schema migration. */
export const bulkUpdateInSchemaMigration: LintRule = {
  id: 'bulk-update-in-schema-migration',
  title: 'UPDATE or DELETE of many rows in a schema migration',
  severity: { expand: 'error', contract: 'error' },
  why: "An UPDATE or DELETE over many rows runs as one long transaction inside the migration: it locks every row it touches until the end (the application's writes to them wait), bloats the table, holds back vacuum and replication, and on failure rolls back everything. zerodown's backfill phase does the same work in short, resumable, key-ranged batches. zerodown counts a WHERE with `=` or `IN` on an id-like column (id, *_id, key, code, slug, name, email) as a few rows.",
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
    if (context.facts.isNewTable(table) || picksFewRows(stmt.whereClause)) return [];
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
