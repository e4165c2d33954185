import { renamingObject } from '../../../../core/lint/rules/renaming-object.ts';
import { describeRule } from '../cases.ts';

describeRule(renamingObject, {
  unsafe: [
    {
      sql: 'ALTER SCHEMA reporting RENAME TO analytics;',
      message: /RENAME SCHEMA reporting TO analytics in expand/,
    },
    {
      sql: "ALTER TYPE order_status RENAME VALUE 'sent' TO 'shipped';",
      message: /'sent' becomes an invalid input value/,
    },
    { sql: 'ALTER TYPE order_status RENAME TO order_state;', message: /RENAME TYPE order_status/ },
    {
      sql: 'ALTER FUNCTION order_total(bigint) RENAME TO order_sum;',
      message: /RENAME FUNCTION order_total/,
    },
    { sql: 'ALTER SEQUENCE invoice_no RENAME TO invoice_number;', message: /RENAME SEQUENCE/ },
    { sql: 'ALTER MATERIALIZED VIEW daily_sales RENAME TO sales_by_day;', message: /MATERIALIZED VIEW/ },
    {
      sql: 'ALTER VIEW order_totals RENAME TO order_summaries;',
      phase: 'contract',
      message: /fails from that moment/,
    },
  ],
  safe: [
    { sql: 'CREATE VIEW order_summaries AS SELECT * FROM order_totals;' },
    { sql: 'CREATE SEQUENCE invoice_no;\nALTER SEQUENCE invoice_no RENAME TO invoice_number;' },
    { sql: "CREATE TYPE mood AS ENUM ('ok');\nALTER TYPE mood RENAME VALUE 'ok' TO 'fine';" },
    { sql: "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'shipped';" },
  ],
});
