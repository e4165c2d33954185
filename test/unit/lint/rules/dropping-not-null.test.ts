import { droppingNotNull } from '../../../../core/lint/rules/dropping-not-null.ts';
import { describeRule } from '../cases.ts';

describeRule(droppingNotNull, {
  unsafe: [
    {
      sql: 'ALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;',
      phase: 'contract',
      message: /customers\.phone in contract/,
    },
    {
      sql: 'ALTER TABLE app.orders ALTER note DROP NOT NULL, ALTER status DROP NOT NULL;',
      phase: 'contract',
      message: /app\.orders\.status/,
    },
  ],
  safe: [
    { sql: 'ALTER TABLE customers ALTER COLUMN phone DROP NOT NULL;' },
    {
      sql: 'CREATE TABLE t (a int NOT NULL);\nALTER TABLE t ALTER COLUMN a DROP NOT NULL;',
      phase: 'contract',
    },
  ],
});
