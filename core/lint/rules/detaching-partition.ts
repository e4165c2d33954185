import { alterTable, relationKey, sqlName } from '../ast.ts';
import { CONCURRENT_DETACH_SINCE } from '../pg-versions.ts';
import type { LintRule, Violation } from '../types.ts';

/** DETACH PARTITION without CONCURRENTLY: ACCESS EXCLUSIVE on the parent and the partition. */
export const detachingPartition: LintRule = {
  id: 'detaching-partition',
  title: 'DETACH PARTITION without CONCURRENTLY',
  severity: { expand: 'error', contract: 'error' },
  why: 'ALTER TABLE … DETACH PARTITION takes ACCESS EXCLUSIVE on the partitioned table and on the partition (seen in pg_locks on PostgreSQL 15): every read and write of the whole partitioned table waits, and waits behind any long query on it. PostgreSQL 14 and later can DETACH PARTITION … CONCURRENTLY, which takes only SHARE UPDATE EXCLUSIVE on the parent; it cannot run in a transaction (zerodown runs such a migration outside one). Before 14 there is no concurrent form.',
  hint: 'ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY; -- PostgreSQL 14+, in a migration of its own',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE events DETACH PARTITION events_2024;' },
    safe: { phase: 'expand', sql: 'ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;' },
  },
  check(statement, context) {
    const alter = alterTable(statement.node);
    if (!alter || context.facts.isNewTable(alter.table)) return [];
    const violations: Violation[] = [];
    const old = context.pgVersion !== undefined && context.pgVersion < CONCURRENT_DETACH_SINCE;
    for (const { subtype, cmd } of alter.commands) {
      const partition = cmd.def?.PartitionCmd;
      if (subtype !== 'AT_DetachPartition') continue;
      const name = sqlName(relationKey(partition?.name));
      if (old) {
        violations.push({
          message: partition?.concurrent
            ? `PostgreSQL ${context.pgVersion} rejects DETACH PARTITION … CONCURRENTLY (it exists from ${CONCURRENT_DETACH_SINCE})`
            : `DETACH PARTITION ${name} from ${sqlName(alter.table)} holds ACCESS EXCLUSIVE on both, and PostgreSQL ${context.pgVersion} has no concurrent form (from ${CONCURRENT_DETACH_SINCE}): detach at a quiet time, or upgrade`,
          hint: `-- PostgreSQL ${CONCURRENT_DETACH_SINCE}+: ALTER TABLE ${sqlName(alter.table)} DETACH PARTITION ${name} CONCURRENTLY;`,
          location: partition?.name?.location,
        });
        continue;
      }
      if (partition?.concurrent) continue;
      violations.push({
        message: `DETACH PARTITION ${name} from ${sqlName(alter.table)} holds ACCESS EXCLUSIVE on both: reads and writes of all of ${sqlName(alter.table)} wait; use DETACH PARTITION … CONCURRENTLY (PostgreSQL 14+)`,
        hint: `ALTER TABLE ${sqlName(alter.table)} DETACH PARTITION ${name} CONCURRENTLY; -- PostgreSQL 14+, in a migration of its own`,
        location: partition?.name?.location,
      });
    }
    return violations;
  },
};
