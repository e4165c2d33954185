import { describe, expect, it } from 'vitest';
import { ruleCases } from './cases.ts';
import { lintSql, rulesOf } from './lint-sql.ts';

describe('what the phase changes', () => {
  it('DROP COLUMN: an error in expand, nothing in contract (the point of contract)', async () => {
    const sql = 'ALTER TABLE users DROP COLUMN username;';
    const expand = await lintSql(sql, { phase: 'expand' });
    expect(expand).toEqual([
      expect.objectContaining({ rule: 'dropping-column', severity: 'error', line: 1, column: 13 }),
    ]);
    expect(await lintSql(sql, { phase: 'contract' })).toEqual([]);
  });

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

describe('renaming-column', () => {
  ruleCases('renaming-column', {
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
});

describe('renaming-table', () => {
  ruleCases('renaming-table', {
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
});

describe('dropping-column and dropping-table', () => {
  ruleCases('dropping-column', {
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
  ruleCases('dropping-table', {
    unsafe: [
      {
        sql: 'DROP TABLE IF EXISTS legacy_sessions, old_carts;',
        message: /legacy_sessions, old_carts in expand/,
      },
    ],
    safe: [
      { sql: 'DROP TABLE legacy_sessions;', phase: 'contract' },
      { sql: 'CREATE TABLE scratch (a int);\nDROP TABLE scratch;' },
    ],
  });
});

describe('transactions in the file', () => {
  ruleCases('begin-without-commit', {
    unsafe: [{ sql: '-- migrate:up transaction:false\nBEGIN;\nALTER TABLE users ADD COLUMN a text;' }],
    safe: [{ sql: '-- migrate:up transaction:false\nBEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;' }],
  });
  ruleCases('transaction-nesting', {
    unsafe: [
      { sql: 'ALTER TABLE users ADD COLUMN a text;\nCOMMIT;', message: /ends that transaction early/ },
    ],
    safe: [{ sql: '-- migrate:up transaction:false\nBEGIN;\nALTER TABLE users ADD COLUMN a text;\nCOMMIT;' }],
  });
  ruleCases('concurrently-with-other-statements', {
    unsafe: [
      {
        sql: "CREATE INDEX CONCURRENTLY a_idx ON t (a);\nUPDATE flags SET enabled = true WHERE key = 'x';",
        message: /1 other statement/,
      },
    ],
    safe: [{ sql: 'CREATE INDEX CONCURRENTLY a_idx ON t (a);\nCREATE INDEX CONCURRENTLY b_idx ON t (b);' }],
  });
  ruleCases('overriding-lock-timeout', {
    unsafe: [{ sql: "SET statement_timeout = '1h';\nALTER TABLE users ADD COLUMN a text;" }],
    safe: [{ sql: 'SET search_path = app, public;\nALTER TABLE users ADD COLUMN a text;' }],
  });
});

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
