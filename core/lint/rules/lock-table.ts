import { LOCK_MODES } from '../../sql/lock-modes.ts';
import { relationKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

// LOCKMODE numbers (lockdefs.h) count from 1 in LOCK_MODES' order; SHARE (5) and stronger conflict with
// ROW EXCLUSIVE, so they block writes.
const BLOCKS_WRITES = 5;

/** LOCK TABLE in a mode that blocks writes, held until the migration commits. */
export const lockTable: LintRule = {
  id: 'lock-table',
  title: 'LOCK TABLE',
  severity: { expand: 'error', contract: 'error' },
  why: 'An explicit LOCK TABLE (ACCESS EXCLUSIVE unless a mode is given) is held until the migration commits, so everything after it in the migration runs while the application cannot write, or for ACCESS EXCLUSIVE even read, the table. zerodown already bounds each statement with lock_timeout; let each statement take only the lock it needs.',
  hint: '-- remove the LOCK TABLE: each statement takes the lock it needs, bounded by lock_timeout',
  examples: {
    unsafe: { phase: 'expand', sql: 'LOCK TABLE orders IN ACCESS EXCLUSIVE MODE;' },
    safe: { phase: 'expand', sql: 'LOCK TABLE orders IN ACCESS SHARE MODE;' },
  },
  check(statement, context) {
    const lock = statement.node.LockStmt;
    if (!lock || (lock.mode ?? 8) < BLOCKS_WRITES) return [];
    const tables: string[] = (lock.relations ?? [])
      .map((r: { RangeVar?: unknown }) => relationKey(r.RangeVar as Record<string, string>))
      .filter((t: string) => !context.facts.isNewTable(t));
    if (tables.length === 0) return [];
    const mode = LOCK_MODES[(lock.mode ?? 8) - 1] ?? 'ACCESS EXCLUSIVE';
    return [
      {
        message: `LOCK TABLE ${tables.map(sqlName).join(', ')} IN ${mode} MODE blocks ${mode === 'ACCESS EXCLUSIVE' ? 'reads and writes' : 'writes'} until the migration commits`,
      },
    ];
  },
};
