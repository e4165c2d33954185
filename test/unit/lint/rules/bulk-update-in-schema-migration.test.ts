import { describe, expect, it } from 'vitest';
import { bulkUpdateInSchemaMigration } from '../../../../core/lint/rules/bulk-update-in-schema-migration.ts';
import { describeRule } from '../cases.ts';
import { lintSql, severitiesOf } from '../lint-sql.ts';

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
    { sql: "UPDATE orders SET status = 'x' WHERE id > 1000;", message: /possibly many rows/ },
    { sql: "UPDATE orders SET status = 'x' WHERE id BETWEEN 1 AND 5000000;", message: /possibly many rows/ },
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

describe('bulk-update-in-schema-migration on a bounded range', () => {
  const rule = 'bulk-update-in-schema-migration';
  it('a range on an integer key of at most 10,000 rows is a warning that says how many rows', async () => {
    const [finding] = (await lintSql("UPDATE orders SET status = 'fixed' WHERE id < 10;")).filter(
      (f) => f.rule === rule,
    );
    expect(finding).toMatchObject({
      severity: 'warning',
      message: expect.stringMatching(/at most 9 row\(s\)/),
    });
    expect(await severitiesOf(rule, 'DELETE FROM orders WHERE id BETWEEN 100 AND 199;')).toEqual(['warning']);
    expect(
      await severitiesOf(rule, 'UPDATE orders SET n = 0 WHERE order_id > 5 AND order_id <= 20;'),
    ).toEqual(['warning']);
  });
  it('an open or wide range is still an error', async () => {
    expect(await severitiesOf(rule, 'UPDATE orders SET n = 0 WHERE id >= 10;')).toEqual(['error']);
    expect(await severitiesOf(rule, 'UPDATE orders SET n = 0 WHERE id < 20000;')).toEqual(['error']);
    expect(await severitiesOf(rule, 'UPDATE orders SET n = 0 WHERE total < 10;')).toEqual(['error']);
  });
});
