import { describe, expect, it } from 'vitest';
import { lintSources } from '../../../core/lint/engine.ts';
import { sqlTextMigration } from '../../../core/lint/sql-text.ts';
import { loadSqlParser } from '../../../core/sql/statements.ts';
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
  it('GIVEN downs that drop and rename what earlier migrations made THEN the next migration sees the schema as the ups left it', async () => {
    await loadSqlParser();
    // a validated NOT NULL check makes SET NOT NULL safe; the downs below would each undo that if they
    // leaked into the schema the next migration sees (every file reported, so every down is linted)
    const files = [
      '-- migrate:up\nCREATE TABLE t (c int, d text);\n-- migrate:down\nDROP TABLE t;\n',
      '-- migrate:up\nALTER TABLE t ADD CONSTRAINT t_c_nn CHECK (c IS NOT NULL) NOT VALID;\n-- migrate:down\nALTER TABLE t DROP CONSTRAINT t_c_nn;\n',
      '-- migrate:up\nALTER TABLE t VALIDATE CONSTRAINT t_c_nn;\n-- migrate:down\nALTER TABLE t RENAME COLUMN c TO c_old;\nALTER TABLE t DROP CONSTRAINT t_c_nn;\nALTER TABLE t DROP COLUMN d;\n',
    ];
    const setNotNull = 'ALTER TABLE t ALTER COLUMN c SET NOT NULL;';
    const lastFindings = (before: readonly string[]) => {
      const sources = [...before, setNotNull].map((text, i) => ({
        migration: sqlTextMigration(i + 1, text, i === before.length ? 'contract' : 'expand'),
        text,
        report: true,
      }));
      return lintSources(sources).filter((f) => f.file === sources.at(-1)!.migration.file);
    };
    expect(rulesOf(lastFindings(files), 'error')).toEqual([]);
    // without the validated check it is the error a leak would bring back
    expect(rulesOf(lastFindings(files.slice(0, 2)), 'error')).toEqual(['setting-not-null']);
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
