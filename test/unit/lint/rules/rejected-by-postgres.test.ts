import { rejectedByPostgres } from '../../../../core/lint/rules/rejected-by-postgres.ts';
import { describeRule } from '../cases.ts';

describeRule(rejectedByPostgres, {
  unsafe: [
    { sql: 'CREATE TABLE coupons (code text, code text);', message: /lists column code twice/ },
    {
      sql: 'ALTER TABLE orders ADD COLUMN note text, ADD COLUMN note varchar(10);',
      message: /ADD COLUMN orders lists column note twice/,
    },
    {
      sql: "UPDATE orders SET status = 'a', status = 'b' WHERE id = 1;",
      phase: 'contract',
      message: /assigns status twice/,
    },
  ],
  safe: [
    { sql: 'CREATE TABLE coupons (code text, note text);' },
    { sql: 'UPDATE shapes SET pos[1] = 0, pos[2] = 0 WHERE id = 1;' },
    { sql: "ALTER TABLE orders ADD COLUMN note text, ALTER COLUMN note SET DEFAULT '';" },
  ],
});
