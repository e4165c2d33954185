import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

const db = useFreshDatabase();

/** An expand, its backfill (with sync) and a contract; versions from `base`, so tests sharing a database differ. */
const files = (table: string, base: number) => ({
  [`${base}_add.sql`]: `-- migrate:up\nALTER TABLE ${table} ADD COLUMN display_name text;\n-- migrate:down\nALTER TABLE ${table} DROP COLUMN display_name;\n`,
  [`${base}_add.backfill.json`]: JSON.stringify({
    table,
    set: { display_name: "'@' || username" },
    sync: true,
  }),
  [`${base + 1}_require.contract.sql`]: `ALTER TABLE ${table} ADD CONSTRAINT ${table}_named CHECK (display_name IS NOT NULL) NOT VALID;`,
});

async function seed(table: string, rows: number) {
  await db.client.query(
    `CREATE TABLE ${table} (id bigserial PRIMARY KEY, username text NOT NULL);
     INSERT INTO ${table} (username) SELECT 'user' || g FROM generate_series(1, ${rows}) g;`,
  );
}

describe('zerodown backfill', () => {
  it('runs the pending backfills with JSON lines of progress, then has nothing left to do', async () => {
    await seed('cli_users', 30_000);
    const dir = await migrationsDir(files('cli_users', 1));
    const common = ['--database-url', db.url, '--migrations', dir];
    expect((await runCli(['up', ...common])).code).toBe(0);
    // WHEN
    const run = await runCli(['backfill', '--format', 'json', '--partitions', '2', ...common]);
    // THEN stdout is JSON lines: started, progress of both partitions, finished
    expect(run.code, run.stderr).toBe(0);
    const events = run.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(events[0]).toMatchObject({ event: 'started', version: '1' });
    const progress = events.filter((e) => e.event === 'progress');
    expect(new Set(progress.map((p) => p.partition))).toEqual(new Set([0, 1]));
    expect(progress.every((p) => typeof p.rowsDone === 'number' && typeof p.rowsEstimated === 'number')).toBe(
      true,
    );
    expect(events.at(-1)).toMatchObject({ event: 'finished', version: '1', rows: 30_000 });
    const { rows } = await db.client.query(
      "SELECT count(*) FILTER (WHERE display_name = '@' || username)::int AS right FROM cli_users",
    );
    expect(rows[0].right).toBe(30_000);
    // a second run finds the backfill applied
    const again = await runCli(['backfill', ...common]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain('nothing to backfill');
    const status = await runCli(['status', '--format', 'json', ...common]);
    const states = JSON.parse(status.stdout).migrations.map(
      (m: { id: string; state: string }) => `${m.id} ${m.state}`,
    );
    expect(states).toEqual(['1.expand applied', '1.backfill applied', '2.contract pending']);
  });

  it('up --phase all backfills between expand and contract', async () => {
    await seed('all_users', 5000);
    const dir = await migrationsDir(files('all_users', 11));
    const run = await runCli(['up', '--phase', 'all', '--database-url', db.url, '--migrations', dir]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/backfilled .*11_add\.backfill\.json: 5000 rows/);
    expect(run.stderr).toMatch(/removed the sync trigger of .*11_add\.backfill\.json from all_users/);
    const check = await db.client.query(
      "SELECT conname FROM pg_constraint WHERE conname = 'all_users_named'",
    );
    expect(check.rows).toHaveLength(1);
    const { rows } = await db.client.query(
      "SELECT count(*) FILTER (WHERE display_name = '@' || username)::int AS right FROM all_users",
    );
    expect(rows[0].right).toBe(5000);
  });

  it('refuses a backfill whose expand has not run, naming the file and what to do (exit 1)', async () => {
    await seed('early_users', 10);
    const dir = await migrationsDir(files('early_users', 21));
    const run = await runCli(['backfill', '--database-url', db.url, '--migrations', dir]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /21_add\.backfill\.json: column early_users\.display_name does not exist; apply the expand migration that adds it first \(zerodown up\)/,
    );
  });
});
