import { detachingPartition } from '../../../../core/lint/rules/detaching-partition.ts';
import { describeRule } from '../cases.ts';

describeRule(detachingPartition, {
  unsafe: [
    { sql: 'ALTER TABLE events DETACH PARTITION events_2024;', message: /ACCESS EXCLUSIVE on both/ },
    {
      sql: 'ALTER TABLE app.events DETACH PARTITION app.events_2023;',
      phase: 'contract',
      message: /app\.events_2023/,
    },
  ],
  safe: [
    { sql: 'ALTER TABLE events DETACH PARTITION events_2024 CONCURRENTLY;' },
    { sql: 'ALTER TABLE events DETACH PARTITION events_2024 FINALIZE;' },
    {
      sql: 'CREATE TABLE m (k int) PARTITION BY RANGE (k);\nCREATE TABLE m1 PARTITION OF m FOR VALUES FROM (0) TO (10);\nALTER TABLE m DETACH PARTITION m1;',
    },
  ],
});
