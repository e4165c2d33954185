import { renamingTable } from '../../../../core/lint/rules/renaming-table.ts';
import { describeRule } from '../cases.ts';

describeRule(renamingTable, {
  unsafe: [
    { sql: 'ALTER TABLE customer RENAME TO customers;', message: /in expand breaks every query/ },
    {
      sql: 'ALTER TABLE customer RENAME TO customers;',
      phase: 'contract',
      message: /make sure nothing still running uses customer/,
    },
  ],
  safe: [
    { sql: 'ALTER TABLE customer RENAME TO customers;\nCREATE VIEW customer AS SELECT * FROM customers;' },
    { sql: 'CREATE TABLE draft (a int);\nALTER TABLE draft RENAME TO drafts;' },
  ],
});
