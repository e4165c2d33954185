import { relationKey, sqlName } from '../ast.ts';
import { repackHint } from '../pg-versions.ts';
import type { LintRule } from '../types.ts';

/** CLUSTER rewrites the table in index order under ACCESS EXCLUSIVE. */
export const cluster: LintRule = {
  id: 'cluster',
  title: 'CLUSTER',
  severity: { expand: 'error', contract: 'error' },
  why: 'CLUSTER rewrites the whole table in the order of an index while holding an ACCESS EXCLUSIVE lock: no reads or writes until it is done. pg_repack --order-by does the same online. With --pg-version 19 or later the hint names REPACK, which replaces CLUSTER there.',
  hint: 'pg_repack --table=orders --order-by=created_at -- run outside the migration',
  examples: {
    unsafe: { phase: 'contract', sql: 'CLUSTER orders USING orders_created_at_idx;' },
    safe: {
      phase: 'contract',
      sql: 'CREATE TABLE archive (id bigint PRIMARY KEY);\nCLUSTER archive USING archive_pkey;',
    },
  },
  check(statement, context) {
    const stmt = statement.node.ClusterStmt;
    if (!stmt) return [];
    const table = stmt.relation ? relationKey(stmt.relation) : undefined;
    if (table && context.facts.isNewTable(table)) return [];
    return [
      {
        message: `CLUSTER ${table ? sqlName(table) : '(every clustered table)'} rewrites the table under ACCESS EXCLUSIVE: reads and writes wait until it finishes`,
        location: stmt.relation?.location,
        hint: repackHint(context.pgVersion, table ? sqlName(table) : '<table>'),
      },
    ];
  },
};
