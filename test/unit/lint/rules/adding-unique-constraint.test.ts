import { addingUniqueConstraint } from '../../../../core/lint/rules/adding-unique-constraint.ts';
import { describeRule } from '../cases.ts';

describeRule(addingUniqueConstraint, {
  unsafe: [
    {
      sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);',
      message: /builds a unique index while holding ACCESS EXCLUSIVE/,
    },
    { sql: 'ALTER TABLE users ADD PRIMARY KEY (id);', phase: 'contract' },
    { sql: 'ALTER TABLE users ADD COLUMN handle text UNIQUE;' },
  ],
  safe: [
    { sql: 'ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_key;' },
    {
      sql: 'ALTER TABLE orders ADD CONSTRAINT orders_pkey PRIMARY KEY USING INDEX orders_id_new_key;',
      phase: 'contract',
    },
    { sql: 'CREATE TABLE t (a int);\nALTER TABLE t ADD CONSTRAINT t_a_key UNIQUE (a);' },
  ],
});
