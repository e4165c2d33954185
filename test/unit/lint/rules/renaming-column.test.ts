import { describe, expect, it } from 'vitest';
import { renamingColumn } from '../../../../core/lint/rules/renaming-column.ts';
import { describeRule } from '../cases.ts';
import { lintSql } from '../lint-sql.ts';

describeRule(renamingColumn, {
  unsafe: [
    {
      sql: 'ALTER TABLE users RENAME COLUMN username TO handle;',
      message: /in expand breaks the application version still running, which uses username/,
    },
    { sql: 'ALTER TABLE users RENAME username TO handle;', phase: 'contract' },
  ],
  safe: [
    { sql: 'CREATE TABLE t (a int);\nALTER TABLE t RENAME COLUMN a TO b;' },
    {
      sql: 'ALTER TABLE orders DROP COLUMN id;\nALTER TABLE orders RENAME COLUMN id_new TO id;',
      phase: 'contract',
    },
    { sql: 'ALTER TABLE users RENAME CONSTRAINT a TO b;' },
  ],
});

describe('renaming-column by phase', () => {
  it('RENAME COLUMN: an error in expand, a warning in contract, nothing for a shadow-column swap', async () => {
    const sql = 'ALTER TABLE users RENAME COLUMN username TO handle;';
    expect((await lintSql(sql, { phase: 'expand' }))[0]).toMatchObject({
      rule: 'renaming-column',
      severity: 'error',
    });
    expect((await lintSql(sql, { phase: 'contract' }))[0]).toMatchObject({
      rule: 'renaming-column',
      severity: 'warning',
      message: expect.stringMatching(/already uses handle/),
    });
    const swap = 'ALTER TABLE orders DROP COLUMN id;\nALTER TABLE orders RENAME COLUMN id_new TO id;';
    expect(await lintSql(swap, { phase: 'contract' })).toEqual([]);
  });
});
