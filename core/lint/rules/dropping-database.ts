import { sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** DROP DATABASE has no place in an application's migrations. */
export const droppingDatabase: LintRule = {
  id: 'dropping-database',
  title: 'DROP DATABASE',
  severity: { expand: 'error', contract: 'error' },
  why: 'A migration runs against every environment, production included; DROP DATABASE there loses everything and no down migration restores it.',
  hint: '-- drop databases by hand, from a reviewed runbook, not from a migration',
  examples: {
    unsafe: { phase: 'contract', sql: 'DROP DATABASE analytics;' },
    safe: { phase: 'contract', sql: 'DROP TABLE IF EXISTS analytics_import;' },
  },
  check(statement) {
    const drop = statement.node.DropdbStmt;
    if (!drop) return [];
    return [
      { message: `DROP DATABASE ${sqlName(drop.dbname ?? '?')} in a migration destroys every table in it` },
    ];
  },
};
