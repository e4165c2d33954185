import { sqlName } from '../ast.ts';
import { declaredColumns } from '../changes.ts';
import type { LintRule } from '../types.ts';

/** timestamp without time zone. */
export const preferTimestamptz: LintRule = {
  id: 'prefer-timestamptz',
  title: 'timestamp without time zone',
  severity: { expand: 'warning', contract: 'warning' },
  why: 'timestamp (without time zone) stores wall-clock time with no zone, so values written from servers or sessions in different time zones silently disagree, and converting the column later rewrites the table. timestamptz stores an instant and costs the same 8 bytes.',
  hint: 'ALTER TABLE orders ADD COLUMN shipped_at timestamptz;',
  examples: {
    unsafe: { phase: 'expand', sql: 'ALTER TABLE orders ADD COLUMN shipped_at timestamp;' },
    safe: { phase: 'expand', sql: 'ALTER TABLE orders ADD COLUMN shipped_at timestamptz;' },
  },
  check(statement) {
    return declaredColumns(statement.node)
      .filter((c) => c.type.name === 'timestamp')
      .map((c) => ({
        message: `${sqlName(c.table)}.${sqlName(c.column)} is timestamp without time zone; use timestamptz`,
        hint: `${sqlName(c.column)} timestamptz`,
        location: c.location,
      }));
  },
};
