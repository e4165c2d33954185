import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { openConnection } from '../../core/db/connection.ts';
import { LeaseLock } from '../../core/locks/lease.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();

const oneLine = (stderr: string) => expect(stderr).not.toMatch(/^\s+at /m);

async function appliedVersions(): Promise<string[]> {
  const { rows } = await db.client.query(
    "SELECT version FROM zerodown.migrations WHERE rolled_back_at IS NULL AND to_regclass('zerodown.migrations') IS NOT NULL ORDER BY id",
  );
  return rows.map((r) => r.version);
}

const table = (name: string) =>
  `-- migrate:up\nCREATE TABLE ${name} (id int);\n-- migrate:down\nDROP TABLE ${name};\n`;

describe('options and histories a person gets wrong', () => {
  it('refuses a --to that is not a version (exit 2) or names no migration (exit 2), applying nothing', async () => {
    const dir = await migrationsDir({ '10_a.sql': table('bi_a'), '20_b.sql': table('bi_b') });
    const base = ['up', '--database-url', db.url, '--migrations', dir];
    const notVersion = await runCli([...base, '--to', 'abc']);
    expect(notVersion.code).toBe(2);
    expect(notVersion.stderr).toMatch(/--to "abc" is not a version/);
    oneLine(notVersion.stderr);
    const unknown = await runCli([...base, '--to', '15']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--to 15: no migration has that version \(versions here: 10 to 20\)/);
    const { rows } = await db.client.query("SELECT to_regclass('bi_a') AS t");
    expect(rows[0].t).toBeNull();
  });

  it('refuses --lock-timeout 0 and one above 60s (exit 2)', async () => {
    const dir = await migrationsDir({ '1_a.sql': table('bi_lt') });
    for (const value of ['0', '0ms', '5m']) {
      const result = await runCli([
        'up',
        '--database-url',
        db.url,
        '--migrations',
        dir,
        '--lock-timeout',
        value,
      ]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/--lock-timeout/);
      oneLine(result.stderr);
    }
  });

  it('refuses an expand older than the newest applied one, and applies it with --out-of-order', async () => {
    const dir = await migrationsDir({ '1_a.sql': table('bi_o1'), '3_c.sql': table('bi_o3') });
    const base = ['up', '--database-url', db.url, '--migrations', dir];
    expect(await runCli(base)).toMatchObject({ code: 0 });
    // a branch merged late brings version 2
    const late = await migrationsDir({
      '1_a.sql': table('bi_o1'),
      '2_b.sql': table('bi_o2'),
      '3_c.sql': table('bi_o3'),
    });
    const refused = await runCli(['up', '--database-url', db.url, '--migrations', late]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/2_b\.sql: is older than .*3_c\.sql, which is applied.*--out-of-order/);
    oneLine(refused.stderr);
    expect(await appliedVersions()).toEqual(['1', '3']);
    const allowed = await runCli(['up', '--database-url', db.url, '--migrations', late, '--out-of-order']);
    expect(allowed).toMatchObject({ code: 0 });
    expect(await appliedVersions()).toEqual(['1', '3', '2']);
  });

  it('down: more than one needs --yes off a terminal; --dry-run records nothing and says "would"', async () => {
    const dir = await migrationsDir({
      '101_a.sql': table('bi_d1'),
      '102_b.sql': table('bi_d2'),
      '103_c.sql': '-- migrate:up\nCREATE TABLE bi_d3 (id int);\n',
    });
    const base = ['--database-url', db.url, '--migrations', dir];
    expect(await runCli(['up', ...base])).toMatchObject({ code: 0 });
    // a dry run through the irreversible 3_c: it says where it would stop and writes no event
    const dry = await runCli(['down', ...base, '--to', '0', '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toMatch(/a rollback would stop at .*103_c\.sql/);
    const events = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.events WHERE event = 'rollback_stopped'",
    );
    expect(events.rows[0].n).toBe(0);
    // without --yes, nothing is rolled back
    const unasked = await runCli(['down', ...base, '--count', '2']);
    expect(unasked.code).toBe(2);
    expect(unasked.stderr).toMatch(
      /down would roll back 2 migrations \(.*103_c\.sql, .*102_b\.sql\); pass --yes/,
    );
    expect(await appliedVersions()).toEqual(['1', '3', '2', '101', '102', '103']);
    const both = await runCli(['down', ...base, '--count', '1', '--to', '101']);
    expect(both.code).toBe(2); // --count and --to together
    // the newest has no down: a real rollback stops there, recorded
    const stopped = await runCli(['down', ...base, '--to', '101', '--yes']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/rollback stopped at .*103_c\.sql/);
    const recorded = await db.client.query(
      "SELECT file FROM zerodown.events WHERE event = 'rollback_stopped'",
    );
    expect(recorded.rows.map((r) => r.file)).toEqual([expect.stringMatching(/103_c\.sql$/)]);
  });

  it('fails within the connect timeout against a server that accepts and never answers', async () => {
    const sockets: Socket[] = [];
    const server = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      const dir = await migrationsDir({ '1_a.sql': table('bi_ct') });
      const result = await runCli([
        'up',
        '--database-url',
        `postgres://postgres:s3cret-pw@127.0.0.1:${port}/test?connect_timeout=1`,
        '--migrations',
        dir,
      ]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/cannot connect to .*no answer within 1s.*connect_timeout/);
      expect(result.stderr).not.toContain('s3cret-pw');
      expect(sockets.length).toBeGreaterThan(0); // it did reach the silent server
      oneLine(result.stderr);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('says so when a half-applied file was changed, instead of dropping its resume point in silence', async () => {
    const half = (last: string) =>
      `-- migrate:up transaction:false\nCREATE TABLE IF NOT EXISTS bi_half (id bigint);\n${last}\n`;
    const dir = await migrationsDir({ '201_half.sql': half('SELECT 1/0;') });
    const base = ['up', '--database-url', db.url, '--migrations', dir];
    const failed = await runCli(base);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /201_half\.sql:3: division by zero.*statements 1-1 of 2 are applied and recorded; rerun to resume/,
    );
    // the fix changes the file: its resume point no longer applies, and the rerun says so
    const fixed = await migrationsDir({ '201_half.sql': half('SELECT 1;') });
    const rerun = await runCli(['up', '--database-url', db.url, '--migrations', fixed]);
    expect(rerun).toMatchObject({ code: 0 });
    expect(rerun.stderr).toMatch(
      /201_half\.sql changed after an earlier attempt applied its first 1 statement\(s\): it runs again from the top/,
    );
  });

  it('a migrations directory that does not exist is a usage error (exit 2) for every command', async () => {
    const missing = '/nonexistent/zerodown-migrations';
    for (const args of [
      ['up', '--database-url', db.url, '--migrations', missing],
      ['status', '--database-url', db.url, '--migrations', missing],
      ['down', '--database-url', db.url, '--migrations', missing],
      ['lint', missing],
      ['lint', '--migrations', missing],
    ]) {
      const result = await runCli(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(/nonexistent\/zerodown-migrations: no such/);
      oneLine(result.stderr);
    }
  });

  it('unlock: refused while a run holds the advisory lock, needs --force for a lease that has not expired', async () => {
    const base = ['unlock', '--database-url', db.url];
    await runCli(['status', '--database-url', db.url, '--migrations', await migrationsDir({})]);
    const run = await openConnection({ connection: db.url, applicationName: 'zerodown-live-run' });
    try {
      await new LeaseLock(run).acquire('cli:elsewhere:1:abc', { release: 'v9', ttlMs: 600_000 });
      await run.query('SELECT pg_advisory_lock(7241865325823964)');
      const alive = await runCli(base);
      expect(alive.code).toBe(1);
      expect(alive.stderr).toMatch(/advisory lock 7241865325823964 is held by "zerodown-live-run"/);
      await run.query('SELECT pg_advisory_unlock(7241865325823964)');
      const unforced = await runCli(base);
      expect(unforced.code).toBe(2);
      expect(unforced.stderr).toMatch(
        /held by cli:elsewhere:1:abc \(release v9\).*"zerodown unlock --force"/,
      );
      expect((await new LeaseLock(db.client).current())?.owner).toBe('cli:elsewhere:1:abc');
      const forced = await runCli([...base, '--force']);
      expect(forced).toMatchObject({ code: 0 });
      expect(forced.stderr).toMatch(/released the lock held by cli:elsewhere:1:abc/);
      expect(await new LeaseLock(db.client).current()).toBeUndefined();
      // an expired lease needs no --force
      await new LeaseLock(run).acquire('cli:elsewhere:2:def', { ttlMs: 1 });
      await run.query('SELECT pg_sleep(0.01)');
      expect(await runCli(base)).toMatchObject({ code: 0 });
    } finally {
      await run.end();
    }
  });

  it('refuses COMMIT inside a migration that runs in one transaction, before anything runs', async () => {
    const dir = await migrationsDir({
      '301_commit.sql':
        'CREATE TABLE bi_commit_a (id bigint);\nCOMMIT;\nCREATE TABLE bi_commit_b (id bigint);\n',
    });
    const result = await runCli([
      'up',
      '--database-url',
      db.url,
      '--migrations',
      dir,
      '--allow-lint-errors',
      'testing the runner',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /301_commit\.sql:2: COMMIT inside a migration that runs in one transaction.*nothing was applied/,
    );
    const { rows } = await db.client.query(
      "SELECT to_regclass('bi_commit_a') AS a, to_regclass('bi_commit_b') AS b",
    );
    expect(rows[0]).toEqual({ a: null, b: null });
    // and lint reports it as an error
    const lint = await runCli(['lint', dir]);
    expect(lint.code).toBe(1);
    expect(lint.stdout + lint.stderr).toMatch(/transaction-nesting/);
  });

  it("gate commands that cannot reach AWS say so in one line, without the AWS SDK's Node version notice", async () => {
    const result = await runCli(['gate', 'approve', '--release', 'v1', '--gate-function', 'zerodown-gate'], {
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /^error: could not invoke the gate function zerodown-gate: .*nothing was decided\)\n$/,
    );
    expect(result.stderr).not.toMatch(/NodeVersionSupportWarning/);
  });

  it('lint takes --migrations like the other commands; status and unlock refuse options they would ignore', async () => {
    const dir = await migrationsDir({ '1_idx.sql': 'CREATE INDEX bi_lint_idx ON bi_lint (id);\n' });
    // WHEN lint is pointed at the directory the way up is
    const lint = await runCli(['lint', '--migrations', dir]);
    // THEN it lints that directory (the error names its file), not ./migrations
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(/1_idx\.sql:1:\d+: error require-concurrent-index-creation/);
    for (const args of [
      ['status', '--database-url', db.url, '--lock-timeout', '2s'],
      ['status', '--database-url', db.url, '--verbose'],
      ['unlock', '--database-url', db.url, '--migrations', dir],
      ['unlock', '--database-url', db.url, '--dry-run'],
    ]) {
      const result = await runCli(args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toMatch(/error: unknown option/);
    }
  });

  it('a down section that does not parse is reported against its file; the other files go on, and a rollback stops there', async () => {
    // a history of its own: the tests before it applied versions of theirs
    await db.client.query('DROP SCHEMA IF EXISTS zerodown CASCADE');
    const broken = `-- migrate:up\nCREATE TABLE bi_dn_b (id int);\n-- migrate:down\nDROP TABLEE bi_dn_b;\n`;
    const dir = await migrationsDir({
      '1_a.sql': table('bi_dn_a'),
      '2_b.sql': broken,
      '3_c.sql': table('bi_dn_c'),
    });
    const base = ['--database-url', db.url, '--migrations', dir];
    // status reads every file, the broken one included
    const status = await runCli(['status', ...base]);
    expect(status.code, status.stdout + status.stderr).toBe(0);
    expect(status.stdout).toMatch(/2_b/);
    // lint names the file and the line of the down section
    const lint = await runCli(['lint', '--migrations', dir]);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toMatch(
      /2_b\.sql:4:1: error syntax-error\n\s+down \(runs on rollback\): syntax error/,
    );
    // up of what does not need it goes on; the broken file is refused as a lint error, named
    const first = await runCli(['up', ...base, '--to', '1']);
    expect(first.code, first.stderr).toBe(0);
    const refused = await runCli(['up', ...base]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/2_b\.sql:4/);
    oneLine(refused.stderr);
    expect(await appliedVersions()).toEqual(['1']);
    // applied anyway (on purpose), a rollback through it stops there, saying why
    const forced = await runCli(['up', ...base, '--allow-lint-errors', 'down fixed in the next release']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(await appliedVersions()).toEqual(['1', '2', '3']);
    const down = await runCli(['down', ...base, '--to', '1', '--yes']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/2_b\.sql.*down section does not parse \(line 4: /);
    oneLine(down.stderr);
    expect(await appliedVersions()).toEqual(['1', '2']);
  });
});
