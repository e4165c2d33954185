import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** REINDEX without CONCURRENTLY. */
export const requireConcurrentReindex: LintRule = {
  id: 'require-concurrent-reindex',
  title: 'REINDEX without CONCURRENTLY',
  severity: { expand: 'error', contract: 'error' },
  why: 'REINDEX locks out writes to the table and, for the index being rebuilt, the reads that would use it, for the whole rebuild. REINDEX … CONCURRENTLY (PostgreSQL 12+) builds a new index beside the old one and swaps them.',
  hint: 'REINDEX INDEX CONCURRENTLY orders_customer_id_idx;',
  examples: {
    unsafe: { phase: 'expand', sql: 'REINDEX INDEX orders_customer_id_idx;' },
    safe: { phase: 'expand', sql: 'REINDEX INDEX CONCURRENTLY orders_customer_id_idx;' },
  },
  check(statement) {
    const reindex = statement.node.ReindexStmt;
    if (!reindex) return [];
    const concurrently = (reindex.params ?? []).some(
      (p: { DefElem?: { defname?: string } }) => p.DefElem?.defname === 'concurrently',
    );
    if (concurrently) return [];
    const kind = String(reindex.kind ?? '').replace('REINDEX_OBJECT_', '');
    const target = reindex.relation ? relationKey(reindex.relation) : (reindex.name ?? '');
    return [
      {
        message: `REINDEX ${kind} ${sqlName(target)} without CONCURRENTLY blocks writes for the whole rebuild`,
        hint: `REINDEX ${kind} CONCURRENTLY ${sqlName(target)}; -- in a migration of its own`,
        location: reindex.relation?.location,
      },
    ];
  },
};
