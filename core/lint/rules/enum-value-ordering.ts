import { sqlName, strings } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** ALTER TYPE … ADD VALUE … BEFORE/AFTER: inserts a value in the middle of the enum's order. */
export const enumValueOrdering: LintRule = {
  id: 'enum-value-ordering',
  title: 'enum value added BEFORE or AFTER another',
  severity: { expand: 'warning', contract: 'warning' },
  why: "An enum's values sort in declaration order. A value added BEFORE or AFTER an existing one changes how `<`, `>`, ORDER BY and range checks treat the existing values for code that compares them, and gets a fractional sort position that makes comparisons on the type slower (PostgreSQL then looks up pg_enum). Adding at the end changes nothing for the old application version.",
  hint: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';",
  examples: {
    unsafe: { phase: 'expand', sql: "ALTER TYPE order_status ADD VALUE 'refunded' BEFORE 'cancelled';" },
    safe: { phase: 'expand', sql: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'refunded';" },
  },
  check(statement) {
    const alter = statement.node.AlterEnumStmt;
    if (!alter?.newVal || !alter.newValNeighbor) return [];
    const type = strings(alter.typeName).join('.');
    return [
      {
        message: `ADD VALUE '${alter.newVal}' ${alter.newValIsAfter ? 'AFTER' : 'BEFORE'} '${alter.newValNeighbor}' puts it in the middle of ${sqlName(type)}'s order, which changes comparisons and ORDER BY for code that relies on it`,
        hint: `ALTER TYPE ${sqlName(type)} ADD VALUE IF NOT EXISTS '${alter.newVal}';`,
      },
    ];
  },
};
