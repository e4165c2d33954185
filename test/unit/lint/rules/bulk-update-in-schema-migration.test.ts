import { bulkUpdateInSchemaMigration } from '../../../../core/lint/rules/bulk-update-in-schema-migration.ts';
import { describeRule } from '../cases.ts';

describeRule(bulkUpdateInSchemaMigration, {
  unsafe: [
    { sql: 'UPDATE users SET active = true;', message: /UPDATE users changes every row/ },
    {
      sql: "UPDATE orders SET status = 'archived' WHERE created_at < now() - interval '1 year';",
      message: /possibly many rows/,
    },
    {
      sql: 'DELETE FROM sessions WHERE expires_at < now();',
      phase: 'contract',
      message: /DELETE FROM sessions removes/,
    },
    { sql: "UPDATE orders SET status = 'x' WHERE status = 'y';" },
  ],
  safe: [
    { sql: "UPDATE settings SET value = 'on' WHERE key = 'checkout_v2';" },
    { sql: 'DELETE FROM plans WHERE id IN (3, 4);' },
    { sql: "UPDATE users SET role = 'admin' WHERE email = 'ops@example.com' AND deleted_at IS NULL;" },
    {
      sql: "CREATE TABLE plans2 (id bigint, name text);\nINSERT INTO plans2 VALUES (1, 'free');\nUPDATE plans2 SET name = 'basic';",
    },
  ],
});
