import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { failureOf, localHandlers } from './lambdas.support.ts';

// A backfill naming a table or column that nothing creates fails the release before its expand runs
// (issue 13: "a backfill spec naming an unknown table or column, caught at plan before anything runs"),
// in `up --phase all` and in the workflow's Plan; names a pending migration creates still pass.
const db = useFreshDatabase();

const expand = (sql: string) => `-- migrate:up\n${sql}\n-- migrate:down\nSELECT 1;\n`;
const backfill = (spec: object) => JSON.stringify({ where: 'true', ...spec });

async function applied(): Promise<string[]> {
  const { rows } = await db.client.query(
    "SELECT version FROM zerodown.migrations WHERE to_regclass('zerodown.migrations') IS NOT NULL ORDER BY id",
  );
  return rows.map((r) => r.version);
}

describe('a backfill that names what nothing creates', () => {
  it('up --phase all: an unknown table fails before the expand runs, naming the file and the field', async () => {
    const dir = await migrationsDir({
      '1_other.sql': expand('CREATE TABLE pf_other (id bigint PRIMARY KEY);'),
      '2_label.backfill.json': backfill({ table: 'pf_itemz', set: { label: "'x'" } }),
    });
    const result = await runCli(['up', '--phase', 'all', '--database-url', db.url, '--migrations', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /2_label\.backfill\.json: "table": pf_itemz does not exist and no pending migration before this backfill mentions it/,
    );
    expect(result.stderr).not.toMatch(/^\s+at /m);
    const other = await db.client.query("SELECT to_regclass('pf_other') AS t");
    expect(other.rows[0].t).toBeNull();
    expect(await applied()).toEqual([]);
  });

  it('up --phase all: an unknown target column fails the same way', async () => {
    await db.client.query('CREATE TABLE pf_items (id bigint PRIMARY KEY, name text)');
    const dir = await migrationsDir({
      '1_note.sql': expand('ALTER TABLE pf_items ADD COLUMN note text;'),
      '2_label.backfill.json': backfill({ table: 'pf_items', set: { lable: 'upper(name)' } }),
    });
    const result = await runCli(['up', '--phase', 'all', '--database-url', db.url, '--migrations', dir]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(
      /2_label\.backfill\.json: "set": column pf_items\.lable does not exist and no pending migration before this backfill adds it/,
    );
    const note = await db.client.query(
      "SELECT 1 FROM information_schema.columns WHERE table_name = 'pf_items' AND column_name = 'note'",
    );
    expect(note.rowCount).toBe(0);
  });

  it('a table and a column that a pending expand creates pass, and the release runs to the end', async () => {
    const dir = await migrationsDir({
      '1_new.sql': expand(
        "CREATE TABLE pf_new (id bigint PRIMARY KEY, name text);\nINSERT INTO pf_new SELECT g, 'n' || g FROM generate_series(1, 50) g;",
      ),
      '2_tag.sql': expand('ALTER TABLE pf_new ADD COLUMN tag text;'),
      '3_tag.backfill.json': backfill({ table: 'pf_new', set: { tag: 'upper(name)' }, where: 'tag IS NULL' }),
    });
    const result = await runCli(['up', '--phase', 'all', '--database-url', db.url, '--migrations', dir]);
    expect(result.code, result.stderr).toBe(0);
    const { rows } = await db.client.query(
      'SELECT count(*) FILTER (WHERE tag = upper(name))::int AS n FROM pf_new',
    );
    expect(rows[0].n).toBe(50);
  });

  it("the workflow's Plan fails with MigrationLoadError before any lock is taken", async () => {
    // a history of its own: the release above is applied here, from files this one does not have
    await db.client.query('DROP SCHEMA IF EXISTS zerodown CASCADE');
    const dir = await migrationsDir({
      '5_other.sql': expand('CREATE TABLE pf_plan_other (id bigint PRIMARY KEY);'),
      '6_label.backfill.json': backfill({ table: 'pf_plan_missing', set: { label: "'x'" } }),
    });
    const { handlers } = localHandlers(db.url, dir);
    const error = await failureOf(
      handlers.plan({ input: { release: 'pf', phases: ['expand', 'backfill'] }, executionId: 'pf-plan' }),
    );
    expect(error.name, error.message).toBe('MigrationLoadError');
    expect(error.message).toMatch(/6_label\.backfill\.json: "table": pf_plan_missing does not exist/);
    // refused before anything was written: not even zerodown's own schema, so no lease
    const state = await db.client.query("SELECT to_regclass('zerodown.lock') AS t");
    expect(state.rows[0].t).toBeNull();
  });
});
