import { concurrentlyInTransaction } from '../../../../core/lint/rules/concurrently-in-transaction.ts';
import { describeRule } from '../cases.ts';

describeRule(concurrentlyInTransaction, {
  unsafe: [
    {
      sql: 'BEGIN;\nDROP INDEX CONCURRENTLY orders_status_idx;\nCOMMIT;',
      message: /cannot run inside a transaction block/,
    },
    {
      sql: '-- migrate:up transaction:false\nSTART TRANSACTION;\nREINDEX INDEX CONCURRENTLY orders_pkey;\nCOMMIT;',
    },
  ],
  safe: [
    { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);' },
    {
      sql: 'BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nCOMMIT;\nCREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);',
    },
  ],
});
