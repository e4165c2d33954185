import { describe, expect, it } from 'vitest';
import { droppingColumn } from '../../../../core/lint/rules/dropping-column.ts';
import { describeRule } from '../cases.ts';
import { lintSql } from '../lint-sql.ts';

describeRule(droppingColumn, {
  unsafe: [
    {
      sql: 'ALTER TABLE users DROP COLUMN IF EXISTS legacy_flag;',
      message: /users\.legacy_flag in expand/,
    },
  ],
  safe: [
    { sql: 'ALTER TABLE users DROP COLUMN legacy_flag;', phase: 'contract' },
    { sql: 'CREATE TABLE t (a int, b int);\nALTER TABLE t DROP COLUMN b;' },
  ],
});

describe('dropping-column by phase', () => {
  it('DROP COLUMN: an error in expand, nothing in contract (the point of contract)', async () => {
    const sql = 'ALTER TABLE users DROP COLUMN username;';
    const expand = await lintSql(sql, { phase: 'expand' });
    expect(expand).toEqual([
      expect.objectContaining({ rule: 'dropping-column', severity: 'error', line: 1, column: 13 }),
    ]);
    expect(await lintSql(sql, { phase: 'contract' })).toEqual([]);
  });
});
