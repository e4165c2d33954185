import { requireConcurrentIndexDeletion } from '../../../../core/lint/rules/require-concurrent-index-deletion.ts';
import { describeRule } from '../cases.ts';

describeRule(requireConcurrentIndexDeletion, {
  unsafe: [
    { sql: 'DROP INDEX orders_status_idx;', message: /DROP INDEX orders_status_idx without CONCURRENTLY/ },
    { sql: 'DROP INDEX IF EXISTS a_idx, b_idx;', phase: 'contract' },
  ],
  safe: [
    { sql: 'DROP INDEX CONCURRENTLY IF EXISTS orders_status_idx;' },
    { sql: 'CREATE TABLE tmp_t (a int);\nCREATE INDEX tmp_t_a ON tmp_t (a);\nDROP INDEX tmp_t_a;' },
  ],
});
