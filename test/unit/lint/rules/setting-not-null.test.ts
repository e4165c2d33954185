import { settingNotNull } from '../../../../core/lint/rules/setting-not-null.ts';
import { describeRule } from '../cases.ts';

const check = 'ALTER TABLE users ADD CONSTRAINT users_email_nn CHECK (email IS NOT NULL) NOT VALID;';

describeRule(settingNotNull, {
  unsafe: [
    {
      sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      phase: 'contract',
      message: /users\.email scans the whole table/,
    },
    { sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;', phase: 'contract', before: [check] },
    {
      sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      before: [
        check,
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
        'ALTER TABLE users DROP CONSTRAINT users_email_nn;',
      ],
    },
    {
      sql: 'ALTER TABLE users ALTER COLUMN name SET NOT NULL;',
      before: [check, 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;'],
    },
    { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email;', phase: 'contract' },
  ],
  safe: [
    {
      sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      before: [check, 'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;'],
    },
    {
      sql: 'ALTER TABLE users ALTER COLUMN email SET NOT NULL;',
      before: ['ALTER TABLE users ADD CONSTRAINT c CHECK (email IS NOT NULL);'],
    },
    { sql: 'CREATE TABLE t (a int);\nALTER TABLE t ALTER COLUMN a SET NOT NULL;' },
    {
      sql: 'ALTER TABLE users ALTER COLUMN mail SET NOT NULL;',
      before: [
        check,
        'ALTER TABLE users VALIDATE CONSTRAINT users_email_nn;',
        'ALTER TABLE users RENAME COLUMN email TO mail;',
      ],
    },
    { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_nn NOT NULL email NOT VALID;' },
  ],
});
