import { droppingTable } from '../../../../core/lint/rules/dropping-table.ts';
import { describeRule } from '../cases.ts';

describeRule(droppingTable, {
  unsafe: [
    {
      sql: 'DROP TABLE IF EXISTS legacy_sessions, old_carts;',
      message: /legacy_sessions, old_carts in expand/,
    },
  ],
  safe: [
    { sql: 'DROP TABLE legacy_sessions;', phase: 'contract' },
    { sql: 'CREATE TABLE scratch (a int);\nDROP TABLE scratch;' },
  ],
});
