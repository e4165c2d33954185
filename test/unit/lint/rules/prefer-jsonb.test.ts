import { describe, expect, it } from 'vitest';
import { preferJsonb } from '../../../../core/lint/rules/prefer-jsonb.ts';
import { describeRule } from '../cases.ts';
import { severitiesOf } from '../lint-sql.ts';

describeRule(preferJsonb, {
  unsafe: [
    { sql: 'CREATE TABLE t (payload json);' },
    { sql: 'ALTER TABLE t ALTER COLUMN payload TYPE json;', message: /SELECT DISTINCT \*/ },
    { sql: 'ALTER TABLE events ADD COLUMN payload json;', message: /json has no equality operator/ },
  ],
  safe: [{ sql: 'CREATE TABLE t (payload jsonb);' }],
});

describe('prefer-jsonb levels', () => {
  it('an error on a table in use (its DISTINCT and UNION queries break), a warning on a new one', async () => {
    const rule = 'prefer-jsonb';
    expect(await severitiesOf(rule, 'ALTER TABLE events ADD COLUMN payload json;')).toEqual(['error']);
    expect(await severitiesOf(rule, 'CREATE TABLE t (payload json);')).toEqual(['warning']);
    expect(await severitiesOf(rule, 'CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN p json;')).toEqual([
      'warning',
    ]);
  });
});
