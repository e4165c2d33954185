import { requireConcurrentReindex } from '../../../../core/lint/rules/require-concurrent-reindex.ts';
import { describeRule } from '../cases.ts';

describeRule(requireConcurrentReindex, {
  unsafe: [
    { sql: 'REINDEX TABLE orders;', message: /REINDEX TABLE orders without CONCURRENTLY/ },
    { sql: 'REINDEX INDEX orders_pkey;' },
  ],
  safe: [
    { sql: 'REINDEX TABLE CONCURRENTLY orders;' },
    { sql: 'REINDEX (VERBOSE, CONCURRENTLY) INDEX orders_pkey;' },
  ],
});
