import { preferTextOverChar } from '../../../../core/lint/rules/prefer-text-over-char.ts';
import { describeRule } from '../cases.ts';

describeRule(preferTextOverChar, {
  unsafe: [
    { sql: 'CREATE TABLE t (code char(3));', message: /char\(3\)/ },
    { sql: 'CREATE TABLE t (flag character);' },
  ],
  safe: [{ sql: 'CREATE TABLE t (code text, kind "char");' }],
});
