import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** CREATE INDEX CONCURRENTLY without IF NOT EXISTS: a re-run after a failure stops at "already exists". */
export const preferRobustIndexCreation: LintRule = {
  id: 'prefer-robust-index-creation',
  title: 'CREATE INDEX CONCURRENTLY without IF NOT EXISTS',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'A migration with CREATE INDEX CONCURRENTLY runs outside a transaction, so a failure after the index was created (a later statement, a lost connection, a timeout) leaves it in place, and the next attempt of the migration stops at "relation already exists". IF NOT EXISTS makes the re-run go through. zerodown drops an INVALID index left by a failed build before retrying, so the index that IF NOT EXISTS skips is a valid one. squawk calls this prefer-robust-stmts.',
  hint: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);',
    },
    safe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
    },
  },
  check(statement) {
    const index = statement.node.IndexStmt;
    // an unnamed index cannot say IF NOT EXISTS, and a re-run builds a second one under a new name
    if (!index?.concurrent || index.if_not_exists) return [];
    const table = sqlName(relationKey(index.relation));
    const name = index.idxname ? sqlName(index.idxname) : '<name>';
    return [
      {
        message: `CREATE INDEX CONCURRENTLY ${index.idxname ? name : '(unnamed)'} on ${table} without IF NOT EXISTS: re-running the migration after a failure stops at "already exists"`,
        hint: `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${table} (…);`,
        location: index.relation?.location,
      },
    ];
  },
};
