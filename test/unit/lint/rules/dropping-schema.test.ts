import { droppingSchema } from '../../../../core/lint/rules/dropping-schema.ts';
import { describeRule } from '../cases.ts';

describeRule(droppingSchema, {
  unsafe: [
    { sql: 'DROP SCHEMA IF EXISTS reporting;', message: /reporting in expand/ },
    { sql: 'DROP SCHEMA reporting CASCADE;', phase: 'contract', message: /drops every object in it/ },
  ],
  safe: [
    { sql: 'DROP SCHEMA reporting;', phase: 'contract' },
    { sql: 'CREATE SCHEMA scratch;\nDROP SCHEMA scratch CASCADE;' },
  ],
});
