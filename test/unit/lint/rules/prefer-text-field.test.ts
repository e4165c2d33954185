import { preferTextField } from '../../../../core/lint/rules/prefer-text-field.ts';
import { describeRule } from '../cases.ts';

describeRule(preferTextField, {
  unsafe: [
    { sql: 'CREATE TABLE t (name varchar(80));', message: /varchar\(80\)/ },
    { sql: 'ALTER TABLE t ADD COLUMN c character varying(10);' },
  ],
  safe: [{ sql: 'CREATE TABLE t (name text, other varchar);' }],
});
