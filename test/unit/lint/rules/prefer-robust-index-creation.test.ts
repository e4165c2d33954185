import { preferRobustIndexCreation } from '../../../../core/lint/rules/prefer-robust-index-creation.ts';
import { describeRule } from '../cases.ts';

describeRule(preferRobustIndexCreation, {
  unsafe: [
    { sql: 'CREATE INDEX CONCURRENTLY orders_status_idx ON orders (status);', message: /already exists/ },
    { sql: 'CREATE UNIQUE INDEX CONCURRENTLY ON orders (reference);', message: /\(unnamed\)/ },
  ],
  safe: [
    { sql: 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_status_idx ON orders (status);' },
    { sql: 'CREATE TABLE t (a int);\nCREATE INDEX t_a_idx ON t (a);' },
  ],
});
