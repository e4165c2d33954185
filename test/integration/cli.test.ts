import { readdir, readFile, writeFile } from 'node:fs/promises';
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
    expect(syntax.stderr).toMatch(/1_bad\.sql:2: syntax error at or near ";"/);
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
        '-- migrate:up\nCREATE INDEX dry_idx ON dry_orders (id);\n-- migrate:down\nDROP INDEX CONCURRENTLY IF EXISTS dry_idx;\n',
    });
    const dry = await runCli(['up', '--database-url', db.url, '--migrations', dir, '--dry-run']);
    expect(dry.code).toBe(1);
    expect(dry.stdout).toContain('CREATE INDEX dry_idx ON dry_orders (id);');
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

  it('dry runs of up, down and backfill print the whole SQL to stdout, uncut', async () => {
    // GIVEN a long CONCURRENTLY statement (outside a transaction), a backfill, and one migration applied
    await db.client.query(
      "CREATE TABLE dry_people (id bigint PRIMARY KEY, email text, username text); INSERT INTO dry_people SELECT g, 'p' || g, 'u' || g FROM generate_series(1, 10) g",
    );
    const long =
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS dry_people_lower_email_idx ON dry_people (lower(email))';
    const dir = await migrationsDir({
      '30_label.sql':
        '-- migrate:up\nALTER TABLE dry_people ADD COLUMN label text;\n-- migrate:down\nALTER TABLE dry_people DROP COLUMN label;\n',
      '30_label.backfill.json': JSON.stringify({ table: 'dry_people', set: { label: 'username' } }),
      '31_email_idx.sql': `-- migrate:up\n${long};\n-- migrate:down\nDROP INDEX CONCURRENTLY IF EXISTS dry_people_lower_email_idx;\n`,
    });
    const base = ['--database-url', db.url, '--migrations', dir];
    // WHEN up --dry-run
    const up = await runCli(['up', ...base, '--dry-run']);
    // THEN stdout has every statement whole, the reason cut between words, and stderr only the log
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toContain('ALTER TABLE dry_people ADD COLUMN label text;');
    expect(up.stdout).toContain(`${long};`);
    expect(up.stdout).toMatch(
      /outside a transaction \(line 2 cannot run inside a transaction \(CREATE INDEX CONCURRENTLY IF NOT EXISTS …\)\)/,
    );
    expect(up.stderr).not.toContain('ALTER TABLE');
    // WHEN the expand is applied, then backfill and down are dry-run
    expect((await runCli(['up', ...base, '--to', '30'])).code).toBe(0);
    const backfill = await runCli(['backfill', ...base, '--dry-run']);
    expect(backfill.code, backfill.stderr).toBe(0);
    expect(backfill.stdout).toMatch(
      /-- .*30_label\.backfill\.json: batches of\nUPDATE "dry_people" SET "label" = \(username\)/,
    );
    const down = await runCli(['down', ...base, '--dry-run']);
    expect(down.code, down.stderr).toBe(0);
    expect(down.stdout).toContain('ALTER TABLE dry_people DROP COLUMN label;');
    expect(down.stderr).toContain('dry run: 1 migration(s) would be rolled back');
  });

  it('up --phase all --dry-run lists the backfill between expand and contract and exits 0', async () => {
    await db.client.query(
      "CREATE TABLE all_dry (id bigint PRIMARY KEY, username text); INSERT INTO all_dry VALUES (1, 'a')",
    );
    const dir = await migrationsDir({
      '40_name.sql':
        '-- migrate:up\nALTER TABLE all_dry ADD COLUMN name text;\n-- migrate:down\nALTER TABLE all_dry DROP COLUMN name;\n',
      '40_name.backfill.json': JSON.stringify({ table: 'all_dry', set: { name: 'username' }, sync: true }),
      '40_name.contract.sql': '-- migrate:up\nALTER TABLE all_dry DROP COLUMN username;\n',
    });
    const base = ['--database-url', db.url, '--migrations', dir, '--phase', 'all', '--dry-run'];
    // WHEN
    const text = await runCli(['up', ...base]);
    const json = await runCli(['up', ...base, '--format', 'json']);
    // THEN in order: expand, the backfill, contract; nothing applied
    expect(text.code, text.stderr).toBe(0);
    const order = [
      'ADD COLUMN name',
      'UPDATE all_dry SET name = username WHERE name IS NULL;',
      'DROP COLUMN username',
    ];
    const at = order.map((part) => text.stdout.indexOf(part));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text.stderr).toContain('dry run: 3 migration(s) would be applied');
    expect(json.code).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result).toMatchObject({ ok: true, dryRun: true, phase: 'all' });
    expect(result.steps.map((s: { id: string; kind: string }) => `${s.id} ${s.kind}`)).toEqual([
      '40.expand schema',
      '40.backfill backfill',
      '40.contract schema',
    ]);
    const columns = await db.client.query(
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'all_dry' AND column_name = 'name'",
    );
    expect(columns.rows[0].n).toBe(0);
  });

  it('up and down --format json print one document: what ran, or the error', async () => {
    const dir = await migrationsDir({
      '50_j.sql': '-- migrate:up\nCREATE TABLE json_t (id int);\n-- migrate:down\nDROP TABLE json_t;\n',
    });
    const base = ['--database-url', db.url, '--migrations', dir, '--format', 'json'];
    const up = await runCli(['up', ...base]);
    expect(up.code, up.stderr).toBe(0);
    expect(JSON.parse(up.stdout)).toMatchObject({
      ok: true,
      dryRun: false,
      phase: 'expand',
      steps: [{ id: '50.expand', kind: 'schema', durationMs: expect.any(Number) }],
      skippedBackfills: [],
    });
    const down = await runCli(['down', ...base]);
    expect(down.code, down.stderr).toBe(0);
    expect(JSON.parse(down.stdout)).toMatchObject({
      ok: true,
      dryRun: false,
      rolledBack: [{ id: '50.expand' }],
    });
    const bad = await migrationsDir({ '51_bad.sql': 'CREATE TABLE json_bad (;\n' });
    const failed = await runCli(['up', '--database-url', db.url, '--migrations', bad, '--format', 'json']);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout)).toMatchObject({ ok: false, error: { name: 'MigrationLoadError' } });
  });

  it('create --phases writes the three files under one version; --version; unknown phases are exit 2', async () => {
    const dir = await migrationsDir({});
    const set = await runCli([
      'create',
      'add_label',
      '--phases',
      'expand,backfill,contract',
      '--migrations',
      dir,
    ]);
    expect(set.code, set.stderr).toBe(0);
    const files = (await readdir(dir)).sort();
    expect(files).toHaveLength(3);
    const version = files[0]!.split('_')[0]!;
    expect(version).toMatch(/^\d{14}$/);
    expect(files).toEqual([
      `${version}_add_label.backfill.json`,
      `${version}_add_label.contract.sql`,
      `${version}_add_label.sql`,
    ]);
    expect(set.stdout.trim().split('\n')).toHaveLength(3);
    const given = await runCli([
      'create',
      'other',
      '--version',
      '7',
      '--phase',
      'contract',
      '--migrations',
      dir,
    ]);
    expect(given.code, given.stderr).toBe(0);
    expect(await readdir(dir)).toContain('7_other.contract.sql');
    const taken = await runCli([
      'create',
      'again',
      '--version',
      '7',
      '--phases',
      'contract',
      '--migrations',
      dir,
    ]);
    expect(taken.code).toBe(2);
    expect(taken.stderr).toMatch(/7_other\.contract\.sql already has version 7 in phase contract/);
    const unknown = await runCli(['create', 'x', '--phases', 'expand,cleanup', '--migrations', dir]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown phase cleanup: use expand, backfill, contract/);
    const both = await runCli([
      'create',
      'x',
      '--phase',
      'expand',
      '--phases',
      'contract',
      '--migrations',
      dir,
    ]);
    expect(both.code).toBe(2);
    expect(await readdir(dir)).toHaveLength(4);
  });

  it('the README quickstart: create, lint, up --dry-run, up, backfill, up --phase contract, status', async () => {
    // GIVEN the table of the quickstart, with rows the old application wrote
    await db.client.query(
      "CREATE TABLE qs_users (id bigint PRIMARY KEY, username text NOT NULL); INSERT INTO qs_users SELECT g, 'user' || g FROM generate_series(1, 2000) g",
    );
    const dir = await migrationsDir({});
    const base = ['--database-url', db.url, '--migrations', dir];
    // WHEN each step of the quickstart runs
    const created = await runCli([
      'create',
      'display_name',
      '--phases',
      'expand,backfill,contract',
      '--migrations',
      dir,
    ]);
    expect(created.code, created.stderr).toBe(0);
    const [expand, backfill, contract] = ['.sql', '.backfill.json', '.contract.sql'].map(
      (end) =>
        created.stdout
          .trim()
          .split('\n')
          .find((f) => f.endsWith(end) && (end !== '.sql' || !f.endsWith('.contract.sql')))!,
    );
    await writeFile(
      expand!,
      '-- migrate:up\nALTER TABLE qs_users ADD COLUMN display_name text;\n-- migrate:down\nALTER TABLE qs_users DROP COLUMN display_name;\n',
    );
    await writeFile(
      backfill!,
      JSON.stringify({ table: 'qs_users', set: { display_name: 'username' }, sync: true }),
    );
    await writeFile(
      contract!,
      '-- migrate:up\nALTER TABLE qs_users DROP COLUMN username;\n-- migrate:down irreversible: the old column is gone\n',
    );
    expect(await readFile(backfill!, 'utf8')).toContain('display_name');
    const steps = [
      ['lint', '--migrations', dir],
      ['up', '--dry-run', ...base],
      ['up', ...base],
      ['backfill', ...base],
      ['up', '--phase', 'contract', ...base],
      ['status', ...base],
    ];
    for (const step of steps) {
      const result = await runCli(step);
      // THEN every step succeeds
      expect(result.code, `${step[0]}: ${result.stderr}${result.stdout}`).toBe(0);
    }
    const { rows } = await db.client.query(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE display_name LIKE 'user%')::int AS named FROM qs_users",
    );
    expect(rows[0]).toEqual({ n: 2000, named: 2000 });
  });
});
