import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** REFRESH MATERIALIZED VIEW without CONCURRENTLY: ACCESS EXCLUSIVE for the whole refresh. */
export const refreshingMaterializedView: LintRule = {
  id: 'refreshing-materialized-view',
  title: 'REFRESH MATERIALIZED VIEW without CONCURRENTLY',
  severity: { expand: 'error', contract: 'error' },
  why: 'REFRESH MATERIALIZED VIEW holds ACCESS EXCLUSIVE on the view while it runs the whole query again (pg_locks on PostgreSQL 15): every read of the view waits until the refresh ends. REFRESH MATERIALIZED VIEW CONCURRENTLY lets reads go on (EXCLUSIVE lock); it needs a UNIQUE index on the view and cannot run in a transaction (zerodown runs such a migration outside one). A view created in the same migration is not read by anyone yet.',
  hint: 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS daily_sales_day_idx ON daily_sales (day);\nREFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales; -- in a migration of its own',
  examples: {
    unsafe: { phase: 'expand', sql: 'REFRESH MATERIALIZED VIEW daily_sales;' },
    safe: { phase: 'expand', sql: 'REFRESH MATERIALIZED VIEW CONCURRENTLY daily_sales;' },
  },
  check(statement, context) {
    const refresh = statement.node.RefreshMatViewStmt;
    if (!refresh || refresh.concurrent) return [];
    const view = relationKey(refresh.relation);
    if (context.facts.isNewTable(view)) return [];
    return [
      {
        message: `REFRESH MATERIALIZED VIEW ${sqlName(view)} blocks every read of ${sqlName(view)} until the refresh ends; use CONCURRENTLY (it needs a UNIQUE index on the view)`,
        hint: `REFRESH MATERIALIZED VIEW CONCURRENTLY ${sqlName(view)}; -- in a migration of its own; needs a UNIQUE index on ${sqlName(view)}`,
        location: refresh.relation?.location,
      },
    ];
  },
};
