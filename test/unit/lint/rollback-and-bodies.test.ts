import { describe, expect, it } from 'vitest';
import { lintSql, rulesOf } from './lint-sql.ts';

describe('down sections, linted as they run in a rollback (expand, after the up)', () => {
  it('GIVEN a down that drops an index without CONCURRENTLY THEN an error names the down and its line', async () => {
    const sql =
      '-- migrate:up\nCREATE INDEX CONCURRENTLY IF NOT EXISTS o_idx ON orders (a);\n\n-- migrate:down\nDROP INDEX o_idx;\n';
    const findings = await lintSql(sql);
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'require-concurrent-index-deletion',
        severity: 'error',
        line: 5,
        message: expect.stringMatching(/^down \(runs on rollback\): DROP INDEX o_idx/),
      }),
    ]);
  });

  it('GIVEN a down that drops what its up added THEN nothing: the running version never used it', async () => {
    const sql =
      '-- migrate:up\nALTER TABLE orders ADD COLUMN note text;\nCREATE TABLE notes (id bigint);\n\n-- migrate:down\nDROP TABLE notes;\nALTER TABLE orders DROP COLUMN note;\n';
    expect(await lintSql(sql)).toEqual([]);
  });

  it('GIVEN a down that renames back THEN nothing: it restores the name the running version uses', async () => {
    const sql =
      '-- migrate:up\nALTER TABLE customers RENAME COLUMN name TO full_name;\n-- migrate:down\nALTER TABLE customers RENAME COLUMN full_name TO name;\n';
    expect((await lintSql(sql)).map((f) => f.line)).toEqual([2]);
  });

  it('GIVEN a down that drops a column the up did not add THEN it is an error like in expand', async () => {
    const sql = '-- migrate:up\nSELECT 1;\n-- migrate:down\nALTER TABLE orders DROP COLUMN total;\n';
    expect(rulesOf(await lintSql(sql), 'error')).toEqual(['dropping-column']);
  });

  it('GIVEN a down that drops a table THEN the next migration still sees the table as it was', async () => {
    const first = '-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;\n';
    // t was created by the earlier migration: not new any more, so a plain index on it is an error
    const findings = await lintSql('CREATE INDEX t_a ON t (a);', { before: [first] });
    expect(rulesOf(findings, 'error')).toEqual(['require-concurrent-index-creation']);
  });
});

describe('statements inside DO blocks', () => {
  it('are linted like the others, at their own line, saying they are in the DO block', async () => {
    const sql = 'DO $$\nBEGIN\n  IF true THEN\n    CREATE INDEX o_idx ON orders (a);\n  END IF;\nEND $$;';
    const findings = await lintSql(sql);
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'require-concurrent-index-creation',
        severity: 'error',
        line: 4,
        message: expect.stringMatching(/^inside the DO block at line 1: CREATE INDEX o_idx/),
      }),
    ]);
  });

  it('feed the schema tracker: a table created in a DO block is new for the statements after it', async () => {
    const sql = 'DO $$ BEGIN CREATE TABLE scratch (a int); END $$;\nCREATE INDEX scratch_a ON scratch (a);';
    expect(rulesOf(await lintSql(sql), 'error')).toEqual([]);
  });

  it('what cannot be read is reported as not checked', async () => {
    const findings = await lintSql("DO LANGUAGE plperl $$ print 'hi' $$;");
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'body-not-checked',
        severity: 'warning',
        message: expect.stringMatching(/plperl/),
      }),
    ]);
  });
});
