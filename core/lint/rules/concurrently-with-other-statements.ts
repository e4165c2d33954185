import { firstRefusingTransaction, refusesTransaction } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** A migration that runs outside a transaction because of CONCURRENTLY, with other statements in it. */
export const concurrentlyWithOtherStatements: LintRule = {
  id: 'concurrently-with-other-statements',
  title: 'CONCURRENTLY mixed with other statements in one migration',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'A migration with a CONCURRENTLY statement runs outside a transaction, so each of its statements commits on its own: when one fails, the ones before it stay applied and a rollback has to undo half a migration. One CONCURRENTLY statement per migration keeps every migration all-or-nothing.',
  hint: '-- 20260101000100_orders_customer_id_idx.sql\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
  examples: {
    unsafe: {
      phase: 'expand',
      sql: 'ALTER TABLE orders ADD COLUMN customer_id bigint;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
    },
    safe: {
      phase: 'expand',
      sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_id_idx ON orders (customer_id);',
    },
  },
  check(_statement, context) {
    // reported once, on the first statement that forces the migration out of a transaction
    const first = firstRefusingTransaction(context.statements);
    if (first !== context.index || context.statements.length < 2) return [];
    const others = context.statements.filter(
      (s) => !refusesTransaction(s) && !('TransactionStmt' in s.node),
    ).length;
    if (others === 0) return [];
    return [
      {
        message: `this statement makes the whole migration run outside a transaction, so its ${others} other statement(s) commit one by one and a failure leaves the migration half applied`,
        hint: `-- <version>_<name>.sql, a migration of its own:\n${context.statements[first]!.sql};`,
      },
    ];
  },
};
