import { droppingDatabase } from '../../../../core/lint/rules/dropping-database.ts';
import { describeRule } from '../cases.ts';

describeRule(droppingDatabase, {
  unsafe: [{ sql: 'DROP DATABASE IF EXISTS reporting;' }],
  safe: [{ sql: 'DROP SCHEMA IF EXISTS reporting_tmp;', phase: 'contract' }],
});
