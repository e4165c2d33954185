import { nameListKey, sqlName } from '../ast.ts';
import type { LintRule } from '../types.ts';

/** DROP TABLE in expand: the running version still uses it. */
export const droppingTable: LintRule = {
  id: 'dropping-table',
  title: 'DROP TABLE in expand',
  severity: { expand: 'error', contract: 'off' },
  why: 'In expand the previous application version is still serving traffic; every query it sends to the table fails once the table is gone, and the data cannot come back with a down migration. Drop tables in contract, after the deploy gate.',
  hint: '-- <version>_drop_legacy_sessions.contract.sql\nDROP TABLE legacy_sessions;',
  examples: {
    unsafe: { phase: 'expand', sql: 'DROP TABLE legacy_sessions;' },
    safe: { phase: 'contract', sql: 'DROP TABLE legacy_sessions;' },
  },
  check(statement, context) {
    const drop = statement.node.DropStmt;
    if (drop?.removeType !== 'OBJECT_TABLE') return [];
    const tables = (drop.objects ?? []).map(nameListKey).filter((t: string) => !context.facts.isNewTable(t));
    if (tables.length === 0) return [];
    return [
      {
        message: `DROP TABLE ${tables.map(sqlName).join(', ')} in expand breaks the application version still running; drop it in a contract migration`,
        hint: `-- <version>_drop_${tables[0]}.contract.sql\nDROP TABLE ${tables.map(sqlName).join(', ')};`,
      },
    ];
  },
};
