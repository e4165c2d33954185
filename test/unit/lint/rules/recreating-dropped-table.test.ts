import { recreatingDroppedTable } from '../../../../core/lint/rules/recreating-dropped-table.ts';
import { describeRule } from '../cases.ts';

describeRule(recreatingDroppedTable, {
  unsafe: [
    {
      sql: 'DROP TABLE IF EXISTS carts;\nCREATE TABLE carts (id bigint);',
      phase: 'contract',
      message: /its rows are gone/,
    },
    {
      sql: 'DROP TABLE app.carts;\nCREATE TABLE app.carts AS SELECT 1 AS id;',
      phase: 'contract',
      message: /app\.carts/,
    },
  ],
  safe: [
    { sql: 'DROP TABLE carts;', phase: 'contract' },
    {
      sql: 'CREATE TABLE scratch (a int);\nDROP TABLE scratch;\nCREATE TABLE scratch (a bigint);',
      phase: 'contract',
    },
    { before: ['DROP TABLE carts;'], sql: 'CREATE TABLE carts (id bigint);', phase: 'contract' },
  ],
});
