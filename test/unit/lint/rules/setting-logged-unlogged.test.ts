import { settingLoggedUnlogged } from '../../../../core/lint/rules/setting-logged-unlogged.ts';
import { describeRule } from '../cases.ts';

describeRule(settingLoggedUnlogged, {
  unsafe: [
    { sql: 'ALTER TABLE events SET LOGGED;' },
    { sql: 'ALTER TABLE events SET UNLOGGED;', phase: 'contract' },
  ],
  safe: [
    { sql: 'CREATE TABLE e (a int);\nALTER TABLE e SET UNLOGGED;' },
    { sql: 'CREATE UNLOGGED TABLE e2 (a int);' },
  ],
});
