import { identifierTooLong } from '../../../../core/lint/rules/identifier-too-long.ts';
import { describeRule } from '../cases.ts';

const long = 'x'.repeat(64);

describeRule(identifierTooLong, {
  unsafe: [
    { sql: `CREATE TABLE ${long} (id bigint);`, message: /is 64 bytes/ },
    { sql: `ALTER TABLE t ADD COLUMN "${'é'.repeat(32)}" text;`, message: /is 64 bytes/ },
  ],
  safe: [{ sql: `CREATE TABLE ${'x'.repeat(63)} (id bigint);` }, { sql: `COMMENT ON TABLE t IS '${long}';` }],
});
