import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** CREATE INDEX without CONCURRENTLY on a table that is in use. */
export const requireConcurrentIndexCreation: LintRule = {
  id: 'require-concurrent-index-creation',
  title: 'CREATE INDEX without CONCURRENTLY',
  severity: { expand: 'error', contract: 'error' },
  why: 'CREATE INDEX holds a SHARE lock on the table while it reads every row and sorts: INSERT, UPDATE and DELETE wait for the whole build. CREATE INDEX CONCURRENTLY builds it while writes go on (it cannot run inside a transaction; zerodown runs such a migration outside one).',
  hint: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
  examples: {
    unsafe: { phase: 'expand', sql: 'CREATE INDEX orders_customer_id_idx ON orders (customer_id);' },
    safe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
    },
  },
  check(statement, context) {
    const index = statement.node.IndexStmt;
    if (!index || index.concurrent) return [];
    const table = relationKey(index.relation);
    if (context.facts.isNewTable(table)) return [];
    const rewritten = statement.sql.replace(/^CREATE\s+(UNIQUE\s+)?INDEX\b/i, (m) => `${m} CONCURRENTLY`);
    return [
      {
        message: `CREATE INDEX${index.idxname ? ` ${sqlName(index.idxname)}` : ''} on ${sqlName(table)} without CONCURRENTLY blocks writes to ${sqlName(table)} until the index is built`,
        hint:
          rewritten === statement.sql
            ? undefined
            : `${rewritten}; -- in a migration of its own (it runs outside a transaction)`,
        location: index.relation?.location,
      },
    ];
  },
};
