import { describe, expect, it } from 'vitest';
import { overridingLockTimeout } from '../../../../core/lint/rules/overriding-lock-timeout.ts';
import { describeRule } from '../cases.ts';
import { severitiesOf } from '../lint-sql.ts';

describeRule(overridingLockTimeout, {
  unsafe: [
    { sql: "SET statement_timeout = '1h';\nALTER TABLE users ADD COLUMN a text;" },
    {
      sql: 'SET lock_timeout = 0;\nALTER TABLE users ADD COLUMN a text;',
      message: /lock_timeout = 0 switches/,
    },
    { sql: "SET LOCAL statement_timeout TO '0ms';", message: /statement_timeout = 0 switches/ },
  ],
  safe: [{ sql: 'SET search_path = app, public;\nALTER TABLE users ADD COLUMN a text;' }],
});

describe('overriding-lock-timeout levels', () => {
  it('0 (in any unit) is an error; another value a warning', async () => {
    const rule = 'overriding-lock-timeout';
    expect(await severitiesOf(rule, "SET lock_timeout = '0';")).toEqual(['error']);
    expect(await severitiesOf(rule, 'SET statement_timeout = 0;', { phase: 'contract' })).toEqual(['error']);
    expect(await severitiesOf(rule, "SET lock_timeout = '0s';")).toEqual(['error']);
    expect(await severitiesOf(rule, "SET lock_timeout = '2s';")).toEqual(['warning']);
    expect(await severitiesOf(rule, 'SET lock_timeout = 100;')).toEqual(['warning']);
    expect(await severitiesOf(rule, 'RESET lock_timeout;')).toEqual(['warning']);
  });
});
