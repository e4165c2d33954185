import { preferJsonb } from '../../../../core/lint/rules/prefer-jsonb.ts';
import { describeRule } from '../cases.ts';

describeRule(preferJsonb, {
  unsafe: [
    { sql: 'CREATE TABLE t (payload json);' },
    { sql: 'ALTER TABLE t ALTER COLUMN payload TYPE json;' },
  ],
  safe: [{ sql: 'CREATE TABLE t (payload jsonb);' }],
});
