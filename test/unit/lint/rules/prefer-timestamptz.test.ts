import { preferTimestamptz } from '../../../../core/lint/rules/prefer-timestamptz.ts';
import { describeRule } from '../cases.ts';

describeRule(preferTimestamptz, {
  unsafe: [
    { sql: 'CREATE TABLE t (at timestamp);' },
    { sql: 'ALTER TABLE t ADD COLUMN at timestamp(3) without time zone;' },
  ],
  safe: [
    { sql: 'CREATE TABLE t (at timestamptz, d date, tm time);' },
    { sql: 'ALTER TABLE t ADD COLUMN at timestamp with time zone;' },
  ],
});
