import { nameListKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** DROP INDEX without CONCURRENTLY. */
export const requireConcurrentIndexDeletion: LintRule = {
  id: 'require-concurrent-index-deletion',
  title: 'DROP INDEX without CONCURRENTLY',
  severity: { expand: 'error', contract: 'error' },
  why: "DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table: while it waits for running queries to finish, every new read and write of the table queues behind it. DROP INDEX CONCURRENTLY waits without blocking them.",
  hint: 'DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;',
  examples: {
    unsafe: { phase: 'contract', sql: 'DROP INDEX orders_status_idx;' },
    safe: { phase: 'contract', sql: 'DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;' },
  },
  check(statement, context) {
    const drop = statement.node.DropStmt;
    if (drop?.removeType !== 'OBJECT_INDEX' || drop.concurrent) return [];
    const names: string[] = (drop.objects ?? []).map(nameListKey);
    const inUse = names.filter((name) => !context.facts.isNewIndex(name));
    if (inUse.length === 0) return [];
    return [
      {
        message: `DROP INDEX ${inUse.map(sqlName).join(', ')} without CONCURRENTLY locks the table (ACCESS EXCLUSIVE) and queues its reads and writes`,
        // CONCURRENTLY drops one index per statement
        hint: `${inUse.map((name) => `DROP INDEX CONCURRENTLY IF EXISTS ${sqlName(name)};`).join('\n')} -- in a migration of its own`,
      },
    ];
  },
};
