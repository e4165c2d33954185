import { describe, expect, it } from 'vitest';
import { lintSql, rulesOf } from './lint-sql.ts';

describe('context within a migration', () => {
  it('a table created earlier in the same migration is new: index, NOT NULL, FK, type change are all safe', async () => {
    const sql = [
      'CREATE TABLE refunds (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, order_id bigint, reason text);',
      'CREATE INDEX refunds_order_id_idx ON refunds (order_id);',
      'ALTER TABLE refunds ALTER COLUMN reason SET NOT NULL;',
      'ALTER TABLE refunds ADD CONSTRAINT refunds_order_fk FOREIGN KEY (order_id) REFERENCES orders (id);',
      'ALTER TABLE refunds ALTER COLUMN reason TYPE varchar(20);',
    ].join('\n');
    expect(rulesOf(await lintSql(sql), 'error')).toEqual([]);
  });

  it('the same table in the next migration is not new any more', async () => {
    const findings = await lintSql('CREATE INDEX refunds_order_id_idx ON refunds (order_id);', {
      before: ['CREATE TABLE refunds (id bigint, order_id bigint);'],
    });
    expect(rulesOf(findings)).toEqual(['require-concurrent-index-creation']);
  });
});
