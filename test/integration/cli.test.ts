import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();

describe('zerodown up as separate processes', () => {
  it('two at once: applied exactly once; the other exits 1 naming the holder, or waits for it', async () => {
    const dir = await migrationsDir({
      '1_slow.sql':
        '-- migrate:up\nCREATE TABLE slow_t (id int);\nSELECT pg_sleep(1.5);\n-- migrate:down\nDROP TABLE slow_t;\n',
    });
    const args = ['up', '--database-url', db.url, '--migrations', dir];
    // WHEN two processes start together
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    // THEN one applied it, the other was refused with the holder named
    const codes = [a.code, b.code].sort();
    expect(codes).toEqual([0, 1]);
    const loser = a.code === 1 ? a : b;
    expect(loser.stderr).toMatch(
      /error: the (zerodown lock is held by cli:|migration advisory lock \d+ is held by)/,
    );
    expect(loser.stderr).not.toMatch(/^\s+at /m); // one clear line, no stack trace
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.migrations WHERE version = '1'",
    );
    expect(rows[0].n).toBe(1);

    // WHEN two start together again with --wait-for-lock, after a rollback
    const down = await runCli(['down', '--database-url', db.url, '--migrations', dir]);
    expect(down.code).toBe(0);
    const waiting = [...args, '--wait-for-lock', '30s'];
    const [c, d] = await Promise.all([runCli(waiting), runCli(waiting)]);
    // THEN both succeed, one of them applied it and the other found nothing to do
    expect([c.code, d.code]).toEqual([0, 0]);
    expect(`${c.stderr}\n${d.stderr}`).toMatch(/nothing to apply/);
    const after = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.migrations WHERE version = '1' AND rolled_back_at IS NULL",
    );
    expect(after.rows[0].n).toBe(1);
  });

  it('exit codes: 2 for usage errors, 1 for failures with the file and line, 0 with JSON status', async () => {
    const dir = await migrationsDir({ '1_bad.sql': 'CREATE TABLE ok_t (id int);\nCREATE TABLE broken (;\n' });
    const noDatabase = await runCli(['up', '--migrations', dir], { DATABASE_URL: '' });
    expect(noDatabase.code).toBe(2);
    expect(noDatabase.stderr).toMatch(/no database: pass --database-url/);
    const badDuration = await runCli(['up', '--database-url', db.url, '--lock-timeout', 'soon']);
    expect(badDuration.code).toBe(2);
    expect(badDuration.stderr).toMatch(/invalid --lock-timeout "soon"/);
    const syntax = await runCli(['up', '--database-url', db.url, '--migrations', dir]);
    expect(syntax.code).toBe(1);
    expect(syntax.stderr).toMatch(/1_bad\.sql:2: syntax error: syntax error at or near ";"/);
    const good = await migrationsDir({ '7_good.sql': 'CREATE TABLE good_t (id int);' });
    const status = await runCli([
      'status',
      '--database-url',
      db.url,
      '--migrations',
      good,
      '--format',
      'json',
    ]);
    expect(status.code).toBe(0);
    const parsed = JSON.parse(status.stdout);
    // version 1 was applied by the first test from another directory: its file is missing here
    expect(parsed.migrations).toEqual([
      expect.objectContaining({ id: '1.expand', state: 'missing' }),
      expect.objectContaining({ id: '7.expand', state: 'pending' }),
    ]);
    expect(parsed.lock).toBeNull();
  });

  it('never prints the password of the database URL', async () => {
    const url = new URL(db.url);
    url.password = 'sup3r-s3cret';
    url.port = '1';
    const result = await runCli([
      'status',
      '--database-url',
      url.toString(),
      '--migrations',
      await migrationsDir({}),
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot connect to postgres:\/\/.*:\*\*\*@/);
    expect(result.stderr).not.toContain('sup3r-s3cret');
  });

  it('up --dry-run with a lint error still shows what would run, then fails with the findings; nothing applied', async () => {
    const dir = await migrationsDir({
      '20_orders_idx.sql':
        '-- migrate:up\nCREATE INDEX dry_idx ON dry_orders (id);\n-- migrate:down\nDROP INDEX dry_idx;\n',
    });
    const dry = await runCli(['up', '--database-url', db.url, '--migrations', dir, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stderr).toContain('CREATE INDEX dry_idx ON dry_orders (id);');
    expect(dry.stderr).toContain('dry run: 1 migration(s) would be applied');
    expect(dry.stderr).toMatch(/lint found 1 error\(s\) in the pending migrations; nothing was applied/);
    expect(dry.stderr).toContain('20_orders_idx.sql:2:');
    const real = await runCli(['up', '--database-url', db.url, '--migrations', dir]);
    expect(real.code).toBe(1);
    expect(real.stderr).not.toContain('would be applied');
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.migrations WHERE version = '20'",
    );
    expect(rows[0].n).toBe(0);
  });
});
