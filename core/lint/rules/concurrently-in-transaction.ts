import { refusesTransaction } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** CONCURRENTLY (or another statement that refuses transaction blocks) inside a transaction. */
export const concurrentlyInTransaction: LintRule = {
  id: 'concurrently-in-transaction',
  title: 'CONCURRENTLY inside a transaction',
  severity: { expand: 'error', contract: 'error' },
  why: 'PostgreSQL refuses CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, DETACH PARTITION CONCURRENTLY and VACUUM inside a transaction block ("cannot run inside a transaction block"), so the migration fails when it reaches the statement. zerodown runs a migration that contains one outside a transaction, unless the file opens one itself with BEGIN.',
  hint: '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'BEGIN;\nCREATE INDEX CONCURRENTLY orders_customer_id_idx ON orders (customer_id);\nCOMMIT;',
    },
    safe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
    },
  },
  check(statement, context) {
    if (!context.inTransaction || !refusesTransaction(statement)) return [];
    const why = context.scriptTransaction
      ? 'the runner wraps this migration in a transaction'
      : 'a BEGIN earlier in the file opened a transaction';
    return [
      {
        message: `${statement.sql.split(/\s+/).slice(0, 4).join(' ')} … cannot run inside a transaction block, and ${why}: the migration fails here`,
        hint: `-- migrate:up transaction:false\n${statement.sql}; -- no BEGIN/COMMIT around it, in a migration of its own`,
      },
    ];
  },
};
