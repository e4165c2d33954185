import { beforeAll, describe, expect, it } from 'vitest';
import { parseSqlExpression } from '../../core/backfill/expression.ts';
import { MigrationFailed } from '../../core/errors.ts';
import { loadSqlParser } from '../../core/sql/statements.ts';

beforeAll(async () => {
  await loadSqlParser();
});

const FILE = '7_users.backfill.json';

/** Texts that try to leave the parentheses the batch puts around them, or are not one value. */
const ESCAPES: ReadonlyArray<readonly [string, RegExp]> = [
  ['username), username = (NULL', /syntax error/],
  ['false) OR (true', /syntax error/],
  ['x) WHERE (true', /syntax error/],
  ['NULL), (NULL', /syntax error/],
  ["'a'); DROP TABLE users; --", /syntax error|statements|";"/],
  ['1; DROP TABLE users', /";"/],
  ['username;', /";"/],
  ['username /* unterminated', /unterminated/],
  ["'unterminated", /unterminated/],
  ['$$ unterminated', /unterminated/],
  ['username, email', /list of 2 expressions/],
  ['username AS login', /names its result/],
  ['*', /\* list/],
  ['users.*', /\* list/],
  ['1 FROM users', /clauses of its own: fromClause/],
  ['true WHERE false', /clauses of its own: whereClause/],
  ['1 INTO copy', /clauses of its own: intoClause/],
  ['DISTINCT username', /clauses of its own: distinctClause/],
  ['username ORDER BY 1', /clauses of its own: sortClause/],
  ['username LIMIT 1', /clauses of its own: limitCount/],
  ['count(*) GROUP BY 1', /clauses of its own: groupClause/],
  ['username FOR UPDATE', /clauses of its own: lockingClause/],
  ['1 UNION SELECT 2', /clauses of its own/],
  ['', /empty/],
  ['   ', /empty/],
  ['-- only a comment', /empty/],
];

describe('backfill expressions: exactly one SQL expression, checked by the real parser', () => {
  it.each(ESCAPES)('refuses %j', (text, why) => {
    let error: unknown;
    try {
      parseSqlExpression(FILE, 'set.login', text);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MigrationFailed);
    expect((error as Error).message).toMatch(
      /^7_users\.backfill\.json: set\.login must be one SQL expression/,
    );
    expect((error as Error).message).toMatch(why);
  });

  it.each([
    ['lower(username)', 'lower(username)'],
    ['(a) + (b)', '(a) + (b)'],
    ["coalesce(nickname, 'a;b')", "coalesce(nickname, 'a;b')"],
    ['CASE WHEN active THEN 1 ELSE 0 END', 'CASE WHEN active THEN 1 ELSE 0 END'],
    ['amount::bigint', 'amount::bigint'],
    ['(SELECT max(id) FROM other)', '(SELECT max(id) FROM other)'],
    ['"Net""Total" * 0.8', '"Net""Total" * 0.8'],
    ['$$a)b$$', '$$a)b$$'],
  ])('accepts %j as is', (text, sql) => {
    expect(parseSqlExpression(FILE, 'set.x', text).sql).toBe(sql);
  });

  it('removes comments, which would swallow the ) and the conditions after the expression', () => {
    // a trailing -- comment inside "(… )" would comment out the rest of the batch's line
    expect(parseSqlExpression(FILE, 'where', 'display_name IS NULL -- not done yet').sql).toBe(
      'display_name IS NULL',
    );
    expect(parseSqlExpression(FILE, 'set.x', 'upper(/* why */ username)').sql).toBe('upper(  username)');
  });
});
