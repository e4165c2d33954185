import { requireConcurrentIndexCreation } from '../../../../core/lint/rules/require-concurrent-index-creation.ts';
import { describeRule } from '../cases.ts';

describeRule(requireConcurrentIndexCreation, {
  unsafe: [
    {
      sql: 'CREATE INDEX orders_status_idx ON orders (status);',
      message: /orders_status_idx on orders without CONCURRENTLY blocks writes/,
    },
    { sql: 'CREATE UNIQUE INDEX users_email_key ON public.users (lower(email));', phase: 'contract' },
    { sql: "CREATE INDEX ON orders (status) WHERE status <> 'done';" },
  ],
  safe: [
    { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);' },
    {
      sql: 'CREATE TABLE refunds (id bigint, order_id bigint);\nCREATE INDEX refunds_order_id_idx ON refunds (order_id);',
    },
    { sql: 'CREATE TABLE s.refunds (id bigint);\nCREATE INDEX refunds_id_idx ON s.refunds (id);' },
  ],
});
