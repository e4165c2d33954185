import { concurrentlyWithOtherStatements } from '../../../../core/lint/rules/concurrently-with-other-statements.ts';
import { describeRule } from '../cases.ts';

describeRule(concurrentlyWithOtherStatements, {
  unsafe: [
    {
      sql: "CREATE INDEX CONCURRENTLY a_idx ON t (a);\nUPDATE flags SET enabled = true WHERE key = 'x';",
      message: /1 other statement/,
    },
  ],
  safe: [{ sql: 'CREATE INDEX CONCURRENTLY a_idx ON t (a);\nCREATE INDEX CONCURRENTLY b_idx ON t (b);' }],
});
