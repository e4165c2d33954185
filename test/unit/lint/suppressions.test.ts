import { describe, expect, it } from 'vitest';
import { lintSql, rulesOf } from './lint-sql.ts';

const INDEX = 'CREATE INDEX orders_status_idx ON orders (status);';

describe('-- zerodown:ignore <rule> <reason>', () => {
  it('in the comment lines right above a statement, or after it on its line, suppresses that rule there', async () => {
    // GIVEN the same unsafe statement three times, suppressed above, suppressed on its line, and not at all
    const sql = [
      '-- migrate:up',
      '-- zerodown:ignore require-concurrent-index-creation orders has 40 rows in every environment',
      INDEX,
      `${INDEX.replace('status_idx', 'status2_idx')} -- zerodown:ignore require-concurrent-index-creation same table, still tiny`,
      INDEX.replace('status_idx', 'status3_idx'),
    ].join('\n');
    // WHEN linted
    const findings = await lintSql(sql);
    // THEN only the third is reported, on its own line
    expect(findings.map((f) => [f.rule, f.line])).toEqual([['require-concurrent-index-creation', 5]]);
  });

  it('takes a comma-separated list of rules', async () => {
    const sql =
      '-- zerodown:ignore prefer-bigint,prefer-identity the legacy table keeps its serial key\nCREATE TABLE legacy (id serial PRIMARY KEY);';
    expect(await lintSql(sql)).toEqual([]);
  });

  it('without a reason is an error and suppresses nothing', async () => {
    const findings = await lintSql(`-- zerodown:ignore require-concurrent-index-creation\n${INDEX}`);
    expect(findings).toEqual([
      expect.objectContaining({
        rule: 'invalid-ignore',
        severity: 'error',
        line: 1,
        message: expect.stringMatching(/gives no reason/),
      }),
      expect.objectContaining({ rule: 'require-concurrent-index-creation', line: 2 }),
    ]);
  });

  it('naming a rule that does not exist is an error', async () => {
    const findings = await lintSql(`-- zerodown:ignore concurrent-index it is fine\n${INDEX}`);
    expect(rulesOf(findings)).toEqual(['invalid-ignore', 'require-concurrent-index-creation']);
    expect(findings[0]!.message).toMatch(/unknown rule\(s\) concurrent-index/);
  });

  it('that suppresses nothing is a warning (a stale suppression would hide a later problem)', async () => {
    const findings = await lintSql(
      '-- zerodown:ignore dropping-column the app stopped reading it\nALTER TABLE users ADD COLUMN a text;',
    );
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'unused-ignore', severity: 'warning', line: 1 }),
    ]);
  });

  it('does not reach over a blank line or a statement to another statement', async () => {
    const sql = `-- zerodown:ignore require-concurrent-index-creation tiny table\n\n${INDEX}`;
    expect(rulesOf(await lintSql(sql))).toEqual(['require-concurrent-index-creation', 'unused-ignore']);
  });
});

describe('findings the linter cannot be sure of', () => {
  it('a default whose volatility zerodown cannot tell is a warning, not an error', async () => {
    const findings = await lintSql(
      'ALTER TABLE orders ADD COLUMN n int DEFAULT (SELECT count(*) FROM customers);',
    );
    expect(findings).toEqual([
      expect.objectContaining({ rule: 'adding-volatile-default', severity: 'warning' }),
    ]);
  });
});
