import { addingRequiredColumn } from '../../../../core/lint/rules/adding-required-column.ts';
import { describeRule } from '../cases.ts';

describeRule(addingRequiredColumn, {
  unsafe: [
    {
      sql: 'ALTER TABLE users ADD COLUMN tier text NOT NULL;',
      message: /ADD COLUMN tier NOT NULL without a default on users/,
    },
    { sql: 'ALTER TABLE users ADD COLUMN a int, ADD COLUMN b int NOT NULL;', phase: 'contract' },
    { sql: 'ALTER TABLE users ADD COLUMN code text PRIMARY KEY;' },
  ],
  safe: [
    { sql: "ALTER TABLE users ADD COLUMN tier text NOT NULL DEFAULT 'free';" },
    { sql: 'ALTER TABLE users ADD COLUMN tier text;' },
    { sql: 'CREATE TABLE plans (id bigint);\nALTER TABLE plans ADD COLUMN tier text NOT NULL;' },
    { sql: 'ALTER TABLE users ADD COLUMN seq bigint GENERATED ALWAYS AS IDENTITY NOT NULL;' },
  ],
});
