import { overridingLockTimeout } from '../../../../core/lint/rules/overriding-lock-timeout.ts';
import { describeRule } from '../cases.ts';

describeRule(overridingLockTimeout, {
  unsafe: [{ sql: "SET statement_timeout = '1h';\nALTER TABLE users ADD COLUMN a text;" }],
  safe: [{ sql: 'SET search_path = app, public;\nALTER TABLE users ADD COLUMN a text;' }],
});
