import { mkdtemp, writeFile } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogSnapshot } from '../support/catalog.ts';
import { type CliResult, runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// The catalog of bad input (issue 13): every kind a person can get wrong, each run through the real CLI
// as they would run it, against one database for the file. Each kind asserts the exit code (2 for
// usage errors, 1 for failures), one clear error line naming what it should and what to do, and that
// nothing was applied: zerodown's records and every user table (rows and catalog) are the same after.

const db = useFreshDatabase();

/** What every kind starts from, applied once: a table with rows, and a newest migration without a down. */
const BASE: Record<string, string> = {
  '10_users.sql':
    "-- migrate:up\nCREATE TABLE cat_users (id bigint PRIMARY KEY, username text NOT NULL, login text);\nINSERT INTO cat_users (id, username) SELECT g, 'user' || g FROM generate_series(1, 40) AS g;\n-- migrate:down\nDROP TABLE cat_users;\n",
  // no down section: a rollback stops here
  '20_notes.sql': '-- migrate:up\nCREATE TABLE cat_notes (id bigint PRIMARY KEY, body text);\n',
};

/** A SQL migration creating `table` with its down. */
const tableMigration = (table: string) =>
  `-- migrate:up\nCREATE TABLE ${table} (id bigint PRIMARY KEY);\n-- migrate:down\nDROP TABLE ${table};\n`;

/** The base files plus `extra` in a directory of their own. */
const withBase = (extra: Record<string, string | Buffer> = {}) => bytesDir({ ...BASE, ...extra });

async function bytesDir(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await migrationsDir({});
  for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
  return dir;
}

/** A working directory holding only `zerodown.config.json` with this text. */
async function configDir(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'zerodown-config-'));
  await writeFile(join(dir, 'zerodown.config.json'), text);
  return dir;
}

/**
 * Everything a run could change that must stay: zerodown's records (not its event log or the lease,
 * which a refused run may write), and every table's rows (count and checksum) and catalog.
 */
async function snapshot(): Promise<unknown> {
  const { rows: tables } = await db.client.query<{ name: string }>(
    `SELECT format('%I.%I', schemaname, tablename) AS name FROM pg_tables
      WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
        AND (schemaname, tablename) NOT IN (('zerodown', 'events'), ('zerodown', 'lock'))
      ORDER BY 1`,
  );
  const data: Record<string, unknown> = {};
  for (const { name } of tables) {
    const { rows } = await db.client.query(
      `SELECT count(*)::int AS n, md5(coalesce(string_agg(t::text, E'\\n' ORDER BY t::text), '')) AS sum FROM ${name} AS t`,
    );
    data[name] = rows[0];
  }
  const triggers = await db.client.query(
    "SELECT tgrelid::regclass::text || ' ' || tgname AS line FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1",
  );
  const functions = await db.client.query(
    `SELECT p.oid::regprocedure::text AS line FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1`,
  );
  return {
    data,
    catalog: await catalogSnapshot(db.client),
    triggers: triggers.rows.map((r) => r.line),
    functions: functions.rows.map((r) => r.line),
  };
}

/** One clear error: no stack trace, exactly one `error:` line, and it names every `says`. */
function expectOneClearError(result: CliResult, says: readonly RegExp[]): void {
  expect(result.stderr).not.toMatch(/^\s+at /m);
  const errors = result.stderr.split('\n').filter((line) => line.startsWith('error:'));
  expect(errors, result.stderr).toHaveLength(1);
  for (const pattern of says) expect(result.stderr).toMatch(pattern);
}

/** A kind of bad input: what a person runs, and what they must be told. */
interface Kind {
  /** The kind, as the test is named. */
  readonly kind: string;
  /** The command line, given the database URL. */
  readonly args: (url: string) => string[] | Promise<string[]>;
  /** 2: a usage error; 1: a failure. */
  readonly code: 1 | 2;
  /** What the one error line names, and what it says to do. */
  readonly says: readonly RegExp[];
  /** The environment, besides this process's (DATABASE_URL is never inherited). */
  readonly env?: Record<string, string>;
  /** The working directory (for zerodown.config.json). */
  readonly cwd?: () => Promise<string>;
}

/** Every kind's name, as the catalog collects them (before any test runs). */
const named: string[] = [];

/** Runs each kind as a test of its own: the exit code, one clear error, nothing applied. */
function catalog(kinds: readonly Kind[]): void {
  for (const kind of kinds) {
    named.push(kind.kind);
    it(kind.kind, async () => {
      // GIVEN the database as the base left it
      const before = await snapshot();
      // WHEN a person runs the command
      const cwd = await kind.cwd?.();
      const result = await runCli(await kind.args(db.url), { DATABASE_URL: '', ...kind.env }, cwd);
      // THEN it fails with the exit code, one clear error, and nothing changed
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: kind.code });
      expectOneClearError(result, kind.says);
      // the URLs of the unreachable kinds have a password: no message repeats it
      expect(result.stderr + result.stdout).not.toContain('s3cret-pw');
      expect(await snapshot()).toEqual(before);
    });
  }
}

const up = (dir: string, url: string, ...more: string[]) => [
  'up',
  '--database-url',
  url,
  '--migrations',
  dir,
  ...more,
];

/** A backfill spec over cat_users, with these fields. */
const spec = (fields: Record<string, unknown>) =>
  JSON.stringify({ table: 'cat_users', set: { login: 'lower(username)' }, ...fields });

const backfill = async (url: string, specText: string, ...more: string[]) => [
  'backfill',
  '--database-url',
  url,
  '--migrations',
  await withBase({ '30_login.backfill.json': specText }),
  ...more,
];

beforeAll(async () => {
  const applied = await runCli(up(await withBase(), db.url));
  expect(applied, applied.stderr).toMatchObject({ code: 0 });
});

describe('migration files that must not load', () => {
  catalog([
    {
      kind: 'a SQL syntax error in the up section',
      args: async (url) =>
        up(await withBase({ '30_bad.sql': '-- migrate:up\nCREATE TABLE cat_x (id int;\n' }), url),
      code: 1,
      says: [/30_bad\.sql:2: syntax error at or near ";"/],
    },
    {
      kind: 'a SQL syntax error in the down section',
      args: async (url) =>
        up(
          await withBase({
            '30_bad.sql':
              '-- migrate:up\nCREATE TABLE cat_x (id bigint);\n-- migrate:down\nDROP TABL cat_x;\n',
          }),
          url,
        ),
      code: 1,
      says: [
        /30_bad\.sql:4:1 syntax-error: down \(runs on rollback\): syntax error at or near "TABL"/,
        /--allow-lint-errors/,
      ],
    },
    {
      kind: 'an unknown phase in a file name',
      args: async (url) => up(await withBase({ '30_x.deploy.sql': tableMigration('cat_x') }), url),
      code: 1,
      says: [/30_x\.deploy\.sql: unknown phase "deploy": use expand, backfill or contract/],
    },
    {
      kind: 'a file name without a version',
      args: async (url) => up(await withBase({ 'add_x.sql': tableMigration('cat_x') }), url),
      code: 1,
      says: [/add_x\.sql: file name is not <version>_<name>.*; rename it/],
    },
    {
      kind: 'two files with one version in one phase',
      args: async (url) =>
        up(await withBase({ '30_a.sql': tableMigration('cat_a'), '30_b.sql': tableMigration('cat_b') }), url),
      code: 1,
      says: [/duplicate version 30 in phase expand: .*30_a\.sql has it too; give one of them a new version/],
    },
    {
      kind: 'an upper-case .SQL file',
      args: async (url) => up(await withBase({ '30_x.SQL': tableMigration('cat_x') }), url),
      code: 1,
      says: [/30_x\.SQL: extension "\.SQL" is not lower case; rename the file to end in "\.sql"/],
    },
    {
      kind: 'a Latin-1 file',
      args: async (url) =>
        up(
          await withBase({
            '30_latin1.sql': Buffer.concat([
              Buffer.from("-- migrate:up\nCREATE TABLE cat_x (id bigint);\nCOMMENT ON TABLE cat_x IS 'caf"),
              Buffer.from([0xe9]),
              Buffer.from("';\n"),
            ]),
          }),
          url,
        ),
      code: 1,
      says: [/30_latin1\.sql:3: is not valid UTF-8 \(byte 0xe9 at offset \d+\).*iconv -f latin1 -t utf-8/],
    },
    {
      kind: 'a file with a NUL byte',
      args: async (url) =>
        up(
          await withBase({
            '30_nul.sql': Buffer.from(
              '-- migrate:up\nCREATE TABLE cat_x (id bigint);\n\0DROP TABLE cat_users;\n',
            ),
          }),
          url,
        ),
      code: 1,
      says: [/30_nul\.sql:3: holds a NUL byte at offset \d+.*save it as UTF-8/],
    },
    {
      kind: 'a second "-- migrate:up" marker',
      args: async (url) =>
        up(
          await withBase({
            '30_twice.sql':
              '-- migrate:up\nCREATE TABLE cat_x (id bigint);\n-- migrate:up\nDROP TABLE cat_users;\n',
          }),
          url,
        ),
      code: 1,
      says: [/30_twice\.sql:3: second "-- migrate:up" marker; a file has one of each/],
    },
    {
      kind: 'SQL before the first "-- migrate:" marker',
      args: async (url) =>
        up(
          await withBase({
            '30_before.sql': 'DROP TABLE cat_users;\n-- migrate:up\nCREATE TABLE cat_x (id bigint);\n',
          }),
          url,
        ),
      code: 1,
      says: [
        /30_before\.sql:1: SQL before the first "-- migrate:" marker would never run; move it into a section/,
      ],
    },
    {
      kind: 'a down section without an up section',
      args: async (url) =>
        up(await withBase({ '30_down_only.sql': '-- migrate:down\nDROP TABLE cat_users;\n' }), url),
      code: 1,
      says: [/30_down_only\.sql: has "-- migrate:down" but no "-- migrate:up" section/],
    },
    {
      kind: 'a .json file that is not a backfill spec',
      args: async (url) => up(await withBase({ '30_x.json': '{}' }), url),
      code: 1,
      says: [/30_x\.json: a \.json migration must be a backfill spec named <version>_<name>\.backfill\.json/],
    },
    {
      kind: 'a backfill written as SQL',
      args: async (url) =>
        up(await withBase({ '30_x.backfill.sql': 'UPDATE cat_users SET login = username;' }), url),
      code: 1,
      says: [/30_x\.backfill\.sql: a backfill is a \.backfill\.json or \.backfill\.ts spec, not SQL/],
    },
    {
      kind: 'a node-pg-migrate module that does not compile',
      args: async (url) =>
        up(await withBase({ '30_broken.js': 'exports.up = (pgm) => { pgm.createTable(;\n' }), url),
      code: 1,
      says: [/30_broken\.js/, /cannot load module/],
    },
    {
      kind: 'a node-pg-migrate module without up',
      args: async (url) => up(await withBase({ '30_noup.js': 'exports.down = () => {};\n' }), url),
      code: 1,
      says: [/30_noup\.js/, /up/],
    },
  ]);
});

describe('histories and runs that must be refused', () => {
  catalog([
    {
      kind: 'drift: an applied file changed',
      args: async (url) =>
        up(await withBase({ '10_users.sql': `${BASE['10_users.sql']}-- a later edit\n` }), url),
      code: 1,
      says: [
        /applied migration changed since it was applied: .*10_users\.sql.*restore the file as applied and put the change in a new migration/,
      ],
    },
    {
      kind: 'an expand older than the newest applied one',
      args: async (url) => up(await withBase({ '15_late.sql': tableMigration('cat_late') }), url),
      code: 1,
      says: [
        /15_late\.sql: is older than .*20_notes\.sql, which is applied.*give it a version after 20, or pass --out-of-order/,
      ],
    },
    {
      kind: 'COMMIT inside a migration that runs in one transaction',
      args: async (url) =>
        up(
          await withBase({
            '30_commit.sql':
              '-- migrate:up\nCREATE TABLE cat_x (id bigint);\nCOMMIT;\nCREATE TABLE cat_y (id bigint);\n',
          }),
          url,
        ),
      code: 1,
      says: [
        /30_commit\.sql:3:1 transaction-nesting: COMMIT in a migration that zerodown already runs in one transaction/,
        /remove BEGIN\/COMMIT/,
      ],
    },
    {
      kind: 'ROLLBACK inside a migration that runs in one transaction',
      args: async (url) =>
        up(
          await withBase({
            '30_rollback.sql': '-- migrate:up\nDELETE FROM cat_users;\nROLLBACK;\n',
          }),
          url,
        ),
      code: 1,
      says: [/30_rollback\.sql:3/, /ROLLBACK/],
    },
    {
      kind: 'a statement the database refuses, after others in the same file',
      args: async (url) =>
        up(
          await withBase({
            '30_fails.sql':
              '-- migrate:up\nCREATE TABLE cat_x (id bigint);\nALTER TABLE cat_notes ADD COLUMN extra no_such_type;\n',
          }),
          url,
        ),
      code: 1,
      says: [/30_fails\.sql:3: type "no_such_type" does not exist/],
    },
    {
      kind: 'a lint error (a blocking index build on an existing table)',
      args: async (url) =>
        up(
          await withBase({
            '30_index.sql':
              '-- migrate:up\nCREATE INDEX cat_users_login ON cat_users (login);\n-- migrate:down\nDROP INDEX cat_users_login;\n',
          }),
          url,
        ),
      code: 1,
      says: [/30_index\.sql:2/, /CONCURRENTLY/, /--allow-lint-errors/],
    },
    {
      kind: 'a contract before the backfill it depends on has finished',
      args: async (url) =>
        up(
          await withBase({
            '30_login.backfill.json': spec({}),
            '30_login.contract.sql': '-- migrate:up\nALTER TABLE cat_users DROP COLUMN username;\n',
          }),
          url,
          '--phase',
          'contract',
        ),
      code: 1,
      says: [
        /30_login\.contract\.sql cannot run before the backfill .*30_login\.backfill\.json has finished/,
      ],
    },
    {
      kind: 'a rollback through a migration without a down',
      args: async (url) => ['down', '--database-url', url, '--migrations', await withBase()],
      code: 1,
      says: [/rollback stopped at .*20_notes\.sql/, /no "-- migrate:down" section/],
    },
    {
      kind: 'down --to 0 without --yes off a terminal',
      args: async (url) => ['down', '--database-url', url, '--migrations', await withBase(), '--to', '0'],
      code: 2,
      says: [/down would roll back 2 migrations \(.*20_notes\.sql, .*10_users\.sql\); pass --yes/],
    },
    {
      kind: 'down with both --count and --to',
      args: async (url) => [
        'down',
        '--database-url',
        url,
        '--migrations',
        await withBase(),
        '--count',
        '1',
        '--to',
        '10',
      ],
      code: 2,
      says: [/--count/, /--to/],
    },
    {
      kind: 'up --to a version that names no migration',
      args: async (url) => up(await withBase(), url, '--to', '15'),
      code: 2,
      says: [
        /--to 15: no migration has that version \(versions here: 10 to 20\); give the version a file name starts with/,
      ],
    },
  ]);
});

describe('backfill specs that must be refused before anything is installed', () => {
  catalog([
    {
      kind: 'a backfill spec that is not JSON',
      args: (url) => backfill(url, '{"table": "cat_users", "set": {"login": "username"},}'),
      code: 1,
      says: [/30_login\.backfill\.json: invalid JSON/],
    },
    {
      kind: 'a misspelt field in a backfill spec',
      args: (url) => backfill(url, spec({ whre: 'login IS NULL' })),
      code: 1,
      says: [/30_login\.backfill\.json: invalid backfill spec/, /whre/],
    },
    {
      kind: 'a backfill spec without set',
      args: (url) => backfill(url, JSON.stringify({ table: 'cat_users' })),
      code: 1,
      says: [/30_login\.backfill\.json: invalid backfill spec/, /set/],
    },
    {
      kind: 'a backfill batchSize that is not a positive number',
      args: (url) => backfill(url, spec({ batchSize: -5 })),
      code: 1,
      says: [/30_login\.backfill\.json: invalid backfill spec/, /batchSize/],
    },
    {
      kind: 'a backfill table name with two dots',
      args: (url) => backfill(url, spec({ table: 'a.b.c' })),
      code: 1,
      says: [/30_login\.backfill\.json: invalid backfill spec/, /table is "name" or "schema\.name"/],
    },
    {
      kind: 'a backfill column name longer than PostgreSQL allows',
      args: (url) => backfill(url, spec({ set: { ['c'.repeat(64)]: 'username' } })),
      code: 1,
      says: [/30_login\.backfill\.json: invalid backfill spec/, /set/],
    },
    {
      kind: 'reverse without sync',
      args: (url) => backfill(url, spec({ reverse: { username: 'login' } })),
      code: 1,
      says: [/reverse is two-way sync and needs "sync": true/],
    },
    {
      kind: 'a backfill spec naming an unknown table',
      args: (url) => backfill(url, spec({ table: 'cat_userz', sync: true })),
      code: 1,
      says: [/30_login\.backfill\.json: table cat_userz does not exist; check "table" in the spec/],
    },
    {
      kind: 'a backfill spec setting an unknown column',
      args: (url) => backfill(url, spec({ set: { logon: 'username' }, sync: true })),
      code: 1,
      says: [
        /30_login\.backfill\.json: column cat_users\.logon does not exist; apply the expand migration that adds it first/,
      ],
    },
    {
      kind: 'a backfill expression reading an unknown column',
      args: (url) => backfill(url, spec({ set: { login: 'usernam' }, sync: true })),
      code: 1,
      says: [
        /30_login\.backfill\.json: set\.login does not work on cat_users: column "usernam" does not exist/,
      ],
    },
    {
      kind: 'a backfill key column without an index',
      args: (url) => backfill(url, spec({ key: 'username' })),
      code: 1,
      says: [/30_login\.backfill\.json: no btree index on cat_users starts with \(username\)/],
    },
    {
      kind: 'a backfill key column that does not exist',
      args: (url) => backfill(url, spec({ key: 'uid' })),
      code: 1,
      says: [/30_login\.backfill\.json: key column cat_users\.uid does not exist/],
    },
    {
      kind: 'a backfill expression that does not type-check',
      args: (url) => backfill(url, spec({ set: { login: 'username + 1' }, sync: true })),
      code: 1,
      says: [
        /30_login\.backfill\.json: set\.login does not work on cat_users: operator does not exist: text \+ integer/,
      ],
    },
    {
      kind: 'a backfill where that is not a boolean',
      args: (url) => backfill(url, spec({ where: 'id' })),
      code: 1,
      says: [/30_login\.backfill\.json: where/],
    },
  ]);
});

describe('backfill expressions that try to escape their place in the statement', () => {
  const escapeAttempt = (field: string, text: string, why: RegExp): Kind => ({
    kind: `a ${field} of ${JSON.stringify(text)}`,
    args: (url) =>
      backfill(
        url,
        spec(field === 'where' ? { where: text, sync: true } : { set: { login: text }, sync: true }),
      ),
    code: 1,
    says: [
      new RegExp(
        `30_login\\.backfill\\.json: ${field === 'where' ? 'where' : 'set\\.login'} must be one SQL expression`,
      ),
      why,
      /write it as it would stand after SELECT/,
    ],
  });
  catalog([
    escapeAttempt('set', 'username), username = (NULL', /\(syntax error at or near "\)"\)/),
    escapeAttempt('where', 'false) OR (true', /\(syntax error at or near "\)"\)/),
    escapeAttempt('where', 'true) -- ', /\(syntax error at or near "\)"\)/),
    escapeAttempt('set', 'username; DROP TABLE cat_users', /\(it holds a ";"\)/),
    escapeAttempt('set', 'username FROM cat_notes', /\(it has clauses of its own: fromClause\)/),
    escapeAttempt('set', '(SELECT 1) UNION (SELECT 2)', /\(it has clauses of its own: larg, rarg\)/),
    escapeAttempt('set', '(DELETE FROM cat_users RETURNING 1)', /\(syntax error at or near "FROM"\)/),
    escapeAttempt('set', 'username, id', /\(it is a list of 2 expressions\)/),
    escapeAttempt('set', 'username AS login', /\(it names its result \(AS login\)\)/),
    escapeAttempt('where', "login IS NULL' OR '1'='1", /\(syntax error at or near "' OR '"\)/),
    escapeAttempt('set', 'username /*', /\(unterminated \/\* comment/),
    escapeAttempt('set', '$$ || username', /\(unterminated dollar-quoted string/),
  ]);
});

describe('options a person gets wrong', () => {
  catalog([
    {
      kind: 'no --database-url and no DATABASE_URL',
      args: async () => ['up', '--migrations', await withBase()],
      code: 2,
      says: [/no database: pass --database-url postgres:\/\/… or set DATABASE_URL/],
    },
    {
      kind: 'a migrations directory that does not exist',
      args: (url) => up('/nonexistent/zerodown-migrations', url),
      code: 2,
      says: [
        /\/nonexistent\/zerodown-migrations: no such migrations directory; give the directory with --migrations/,
      ],
    },
    {
      kind: 'a migrations path that is a file',
      args: async (url) => up(join(await withBase(), '10_users.sql'), url),
      code: 2,
      says: [/10_users\.sql: no such migrations directory/],
    },
    {
      kind: 'SQL in --migrations',
      args: (url) => up("migrations'; DROP TABLE cat_users; --", url),
      code: 2,
      says: [/migrations'; DROP TABLE cat_users; --: no such migrations directory/],
    },
    {
      kind: 'up --to that is not a version',
      args: async (url) => up(await withBase(), url, '--to', 'abc'),
      code: 2,
      says: [/--to "abc" is not a version: give the digits a file name starts with/],
    },
    {
      kind: 'SQL in --to',
      args: async (url) => up(await withBase(), url, '--to', "20'; DROP TABLE cat_users; --"),
      code: 2,
      says: [/--to "20'; DROP TABLE cat_users; --" is not a version/],
    },
    {
      kind: '--lock-timeout 0',
      args: async (url) => up(await withBase(), url, '--lock-timeout', '0'),
      code: 2,
      says: [/--lock-timeout/, /0 would switch the lock_timeout guard off.*give a duration such as 500ms/],
    },
    {
      kind: '--lock-timeout above 60s',
      args: async (url) => up(await withBase(), url, '--lock-timeout', '5m'),
      code: 2,
      says: [/--lock-timeout/, /at most 60s/],
    },
    {
      kind: 'a duration that is not one',
      args: async (url) => up(await withBase(), url, '--lock-timeout', 'soon'),
      code: 2,
      says: [/--lock-timeout/, /soon/],
    },
    {
      kind: 'a negative duration',
      args: async (url) => up(await withBase(), url, '--statement-timeout', '-1s'),
      code: 2,
      says: [/--statement-timeout/],
    },
    {
      kind: 'a statement timeout above PostgreSQL’s limit',
      args: async (url) => up(await withBase(), url, '--statement-timeout', '30d'),
      code: 2,
      says: [/--statement-timeout/, /at most 2147483647ms/],
    },
    {
      kind: 'a count that is not a positive integer',
      args: async (url) => ['down', '--database-url', url, '--migrations', await withBase(), '--count', '0'],
      code: 2,
      says: [/--count/, /"0" is not a positive integer/],
    },
    {
      kind: 'a count that is not a number',
      args: async (url) => [
        'down',
        '--database-url',
        url,
        '--migrations',
        await withBase(),
        '--count',
        '1e3',
      ],
      code: 2,
      says: [/--count/, /"1e3" is not a positive integer/],
    },
    {
      kind: 'backfill --partitions 0',
      args: (url) => backfill(url, spec({}), '--partitions', '0'),
      code: 2,
      says: [/--partitions/],
    },
    {
      kind: 'a backfill rate that is not a whole number',
      args: async (url) => [
        'plan',
        '--database-url',
        url,
        '--migrations',
        await withBase(),
        '--backfill-rate',
        '1.5',
      ],
      code: 2,
      says: [/--backfill-rate/, /"1\.5" is not a positive integer/],
    },
    {
      kind: 'a PostgreSQL major that does not exist',
      args: async () => ['lint', '--pg-version', '8', await withBase()],
      code: 2,
      says: [/--pg-version/, /"8" is not a PostgreSQL major version; give one like 15/],
    },
    {
      kind: 'an unknown --phase',
      args: async (url) => up(await withBase(), url, '--phase', 'deploy'),
      code: 2,
      says: [/--phase/, /deploy/, /expand, contract, all/],
    },
    {
      kind: 'an unknown --format',
      args: async (url) => [
        'status',
        '--database-url',
        url,
        '--migrations',
        await withBase(),
        '--format',
        'yaml',
      ],
      code: 2,
      says: [/--format/, /yaml/, /text, json/],
    },
    {
      kind: 'a misspelt option',
      args: async (url) => up(await withBase(), url, '--dry-rum'),
      code: 2,
      says: [/unknown option '--dry-rum'/, /--dry-run/],
    },
    {
      kind: 'a misspelt command',
      args: async (url) => ['upp', '--database-url', url],
      code: 2,
      says: [/unknown command 'upp'/, /up/],
    },
    {
      kind: '--allow-lint-errors without a reason',
      args: async (url) => up(await withBase(), url, '--allow-lint-errors', ' '),
      code: 2,
      says: [/--allow-lint-errors needs the reason/],
    },
    {
      kind: 'a migration name with a space for create',
      args: async () => ['create', 'add display name', '--migrations', await withBase()],
      code: 2,
      says: [/use letters, digits, _ and - only/],
    },
    {
      kind: 'a taken version for create',
      args: async () => ['create', 'again', '--version', '10', '--migrations', await withBase()],
      code: 2,
      says: [/10_users\.sql already has version 10 in phase expand; give another --version/],
    },
  ]);
});

describe('project configuration a person gets wrong', () => {
  catalog([
    {
      kind: 'a misspelt top-level key in zerodown.config.json',
      cwd: () => configDir('{"lnit": {"rules": {}}}'),
      args: async (url) => up(await withBase(), url),
      code: 2,
      says: [
        /zerodown\.config\.json: unknown key "lnit"; the file holds "lint", "versionedSchema", "\$schema"/,
      ],
    },
    {
      kind: 'a zerodown.config.json that is not JSON',
      cwd: () => configDir('{"lint": {'),
      args: async (url) => up(await withBase(), url),
      code: 2,
      says: [/zerodown\.config\.json: invalid JSON/],
    },
    {
      kind: 'an unknown lint rule in zerodown.config.json',
      cwd: () => configDir('{"lint": {"rules": {"no-such-rule": "off"}}}'),
      args: async (url) => up(await withBase(), url),
      code: 2,
      says: [/zerodown\.config\.json: lint\.rules/, /no-such-rule/],
    },
    {
      kind: 'a versionedSchema that is not a boolean',
      cwd: () => configDir('{"versionedSchema": "yes"}'),
      args: async (url) => up(await withBase(), url),
      code: 2,
      says: [/zerodown\.config\.json: versionedSchema must be true or false/],
    },
  ]);
});

describe('workflow input that must be refused before anything starts', () => {
  const arn = 'arn:aws:states:eu-west-1:123456789012:stateMachine:zerodown';
  const start = (...more: string[]) => ['start', '--state-machine-arn', arn, ...more];
  // no AWS call must be made: the input is refused first (credentials that would fail if one were)
  const noAws = {
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    AWS_EC2_METADATA_DISABLED: 'true',
  };
  const local = async (url: string, input: string) => [
    'run',
    '--local',
    '--database-url',
    url,
    '--migrations',
    await withBase(),
    '--input',
    input,
  ];
  catalog([
    {
      kind: 'start: SQL in --release',
      args: () => start('--release', "v1'; DROP TABLE cat_users; --"),
      env: noAws,
      code: 2,
      says: [/invalid workflow input: release: release may contain letters, digits and \. _ : \/ \+ -/],
    },
    {
      kind: 'start: an empty --release',
      args: () => start('--release', ''),
      env: noAws,
      code: 2,
      says: [/release/],
    },
    {
      kind: 'start: an unknown phase',
      args: () => start('--release', 'v1', '--phases', 'expand,deploy'),
      env: noAws,
      code: 2,
      says: [/--phases/, /unknown phase deploy: use expand, backfill, contract/],
    },
    {
      kind: 'start: no state machine',
      args: () => ['start', '--release', 'v1'],
      env: { ...noAws, ZERODOWN_STATE_MACHINE_ARN: '' },
      code: 2,
      says: [/no state machine: pass --state-machine-arn or set ZERODOWN_STATE_MACHINE_ARN/],
    },
    {
      kind: 'run without --local',
      args: async (url) => ['run', '--database-url', url, '--migrations', await withBase()],
      code: 2,
      says: [/only --local runs here; to run the deployed workflow use "zerodown start --wait"/],
    },
    {
      kind: 'run --local: --input that is not JSON',
      args: (url) => local(url, '{"release": "v1",'),
      code: 2,
      says: [/--input must be a JSON object/],
    },
    {
      kind: 'run --local: --input that is a JSON array',
      args: (url) => local(url, '["v1"]'),
      code: 2,
      says: [/--input must be a JSON object/],
    },
    {
      kind: 'run --local: --input with a misspelt field',
      args: (url) => local(url, '{"gate": {"afterExpand": true}}'),
      code: 2,
      says: [/invalid workflow input: .*gate/, /Expected \{"release": "v42"/],
    },
    {
      kind: 'run --local: --input with a field of the wrong type',
      args: (url) => local(url, '{"dryRun": "yes", "phases": ["deploy"]}'),
      code: 2,
      says: [/invalid workflow input: .*dryRun/, /phases/],
    },
    {
      kind: 'run --local: SQL in --release',
      args: async (url) => [
        ...(await local(url, '{}')).slice(0, -2),
        '--release',
        "v1'; DROP TABLE cat_users; --",
      ],
      code: 2,
      says: [/invalid workflow input: release/],
    },
  ]);
});

describe('databases that cannot be reached', () => {
  const silent = { sockets: [] as Socket[], port: 0, close: async () => {} };
  beforeAll(async () => {
    const server = createServer((socket) => silent.sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    silent.port = (server.address() as { port: number }).port;
    silent.close = async () => {
      for (const socket of silent.sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    };
  });
  afterAll(() => silent.close());
  // a port nobody listens on: the one the silent server had, once it is closed, would race; use port 1
  catalog([
    {
      kind: 'a database server that refuses the connection',
      args: async () => up(await withBase(), 'postgres://postgres:s3cret-pw@127.0.0.1:1/zd'),
      code: 1,
      says: [/cannot connect to postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/zd: .*ECONNREFUSED/],
    },
    {
      kind: 'a database server that accepts and never answers, within the connect timeout',
      args: async () =>
        up(await withBase(), `postgres://postgres:s3cret-pw@127.0.0.1:${silent.port}/zd?connect_timeout=1`),
      code: 1,
      says: [/cannot connect to .*no answer within 1s.*connect_timeout/],
    },
    {
      kind: 'a database URL of another scheme',
      args: async () => up(await withBase(), 'mysql://root:s3cret-pw@127.0.0.1:3306/zd'),
      code: 2,
      says: [/the database URL \(--database-url or DATABASE_URL\) starts with "mysql:", not postgres:/],
    },
    {
      kind: 'a database that does not exist',
      args: async (url) => {
        const other = new URL(url);
        other.pathname = '/zd_no_such_database';
        return up(await withBase(), other.toString());
      },
      code: 1,
      says: [/cannot connect to .*zd_no_such_database.*database "zd_no_such_database" does not exist/],
    },
    {
      kind: 'a role that does not exist',
      args: async (url) => {
        const other = new URL(url);
        other.username = 'zd_no_such_role';
        other.password = 's3cret-pw';
        return up(await withBase(), other.toString());
      },
      code: 1,
      says: [/cannot connect to .*zd_no_such_role/],
    },
    {
      kind: 'a database URL that is not a URL',
      args: async () => up(await withBase(), 'postgres://postgres:s3cret-pw@[not a host/zd'),
      code: 2,
      says: [/the database URL \(--database-url or DATABASE_URL\) does not parse as a URL: check the host/],
    },
  ]);
});

describe('identifiers with quotes, spaces, reserved words and unicode', () => {
  catalog([
    {
      kind: 'a zero-length quoted identifier',
      args: async (url) =>
        up(await withBase({ '30_empty.sql': '-- migrate:up\nCREATE TABLE "" (id bigint);\n' }), url),
      code: 1,
      says: [/30_empty\.sql:2: syntax error: zero-length delimited identifier/],
    },
    {
      kind: 'a backfill naming a quoted table without its quotes doubled in SQL',
      args: (url) => backfill(url, spec({ table: 'cat_users" ; DROP TABLE cat_notes; --' })),
      code: 1,
      says: [/table cat_users" ; DROP TABLE cat_notes; -- does not exist; check "table" in the spec/],
    },
  ]);

  const TABLE = 'Ünïcode "quoted" table';
  const weird = {
    '40_weird.sql':
      '-- migrate:up\nCREATE TABLE "Ünïcode ""quoted"" table" (id bigint PRIMARY KEY, "select" text NOT NULL, "naïve café" text, "order by" int);\n' +
      'INSERT INTO "Ünïcode ""quoted"" table" (id, "select") SELECT g, \'v\' || g FROM generate_series(1, 30) AS g;\n' +
      '-- migrate:down\nDROP TABLE "Ünïcode ""quoted"" table";\n',
    '40_weird.backfill.json': JSON.stringify({
      table: TABLE,
      set: { 'naïve café': 'upper("select")', 'order by': 'length("select") + "id"' },
      sync: true,
    }),
  };

  it('work in up, status, lint, backfill (with its sync trigger) and down, and SQL in --release is only text', async () => {
    // GIVEN migrations whose table and columns need quoting
    const dir = await withBase(weird);
    const base = ['--database-url', db.url, '--migrations', dir];
    // WHEN they go through every command
    const applied = await runCli(['up', ...base, '--release', "v1'; DROP TABLE cat_users; --"], {
      DATABASE_URL: '',
    });
    expect(applied, applied.stderr).toMatchObject({ code: 0 });
    const linted = await runCli(['lint', dir]);
    expect(linted, linted.stdout + linted.stderr).toMatchObject({ code: 0 });
    const filled = await runCli(['backfill', ...base], { DATABASE_URL: '' });
    expect(filled, filled.stderr).toMatchObject({ code: 0 });
    // THEN every row is filled, and the sync trigger fills a row written afterwards
    await db.client.query('INSERT INTO "Ünïcode ""quoted"" table" (id, "select") VALUES (31, \'late\')');
    const { rows } = await db.client.query(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE "naïve café" = upper("select") AND "order by" = length("select") + id)::int AS right FROM "Ünïcode ""quoted"" table"',
    );
    expect(rows[0]).toEqual({ n: 31, right: 31 });
    const status = await runCli(['status', ...base, '--format', 'json'], { DATABASE_URL: '' });
    expect(status, status.stderr).toMatchObject({ code: 0 });
    expect(status.stdout).toContain('40_weird.backfill.json');
    // and SQL in --release was a name, nothing more
    expect((await db.client.query("SELECT to_regclass('cat_users') AS t")).rows[0].t).toBe('cat_users');
    // and down undoes them, trigger and table
    const undone = await runCli(['down', ...base, '--to', '20', '--yes'], { DATABASE_URL: '' });
    expect(undone, undone.stderr).toMatchObject({ code: 0 });
    const left = await db.client.query(
      'SELECT to_regclass(\'"Ünïcode ""quoted"" table"\') AS t, (SELECT count(*)::int FROM pg_trigger WHERE NOT tgisinternal) AS triggers',
    );
    expect(left.rows[0]).toEqual({ t: null, triggers: 0 });
  });
});

describe('the catalog', () => {
  it('names at least 50 kinds of bad input, each once', () => {
    expect(new Set(named).size).toBe(named.length);
    expect(named.length).toBeGreaterThanOrEqual(50);
  });
});
