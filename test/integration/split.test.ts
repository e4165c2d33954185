import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { type TestDatabase, useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';

// zerodown split on ORM-written SQL, applied on real PostgreSQL next to the original migration applied as
// written: the same schema and the same data at the end, but for the documented limits.
const viaSplit = useFreshDatabase();
const asWritten = useFreshDatabase();

const FIXTURES = new URL('../fixtures/split/', import.meta.url).pathname;
const DRIZZLE = join(FIXTURES, 'drizzle/0003_brave_thor.sql');
const PRISMA = join(FIXTURES, 'prisma/migrations/20260301120000_profile_changes/migration.sql');

async function schemaOf(db: TestDatabase) {
  const columns = await db.client.query(
    `SELECT table_name || '.' || column_name AS c, data_type, numeric_precision AS p, numeric_scale AS s, is_nullable
       FROM information_schema.columns WHERE table_schema = 'public' ORDER BY 1`,
  );
  const constraints = await db.client.query(
    `SELECT conrelid::regclass::text AS t, conname, contype, convalidated FROM pg_constraint
      WHERE connamespace = 'public'::regnamespace AND contype <> 'n' ORDER BY 1, 2`, // NOT NULL (a constraint on 18): compared as columns
  );
  const indexes = await db.client.query(
    "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1",
  );
  const relations = await db.client.query(
    "SELECT relname, relkind FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'v') ORDER BY 1",
  );
  return {
    columns: columns.rows,
    constraints: constraints.rows,
    indexes: indexes.rows,
    relations: relations.rows,
  };
}

describe('zerodown split, applied', () => {
  it("Drizzle's migration: split, then up --phase all, ends as the migration as written does, with every row", async () => {
    // GIVEN two databases as earlier Drizzle migrations left them, with the same rows
    const before = await readFile(join(FIXTURES, 'drizzle/schema-before.sql'), 'utf8');
    for (const db of [viaSplit, asWritten]) {
      await db.client.query(before);
      await db.client.query(`
        INSERT INTO users (name, email, legacy) SELECT 'n' || g, 'e' || g || '@example.com', 'l' FROM generate_series(1, 2000) g;
        INSERT INTO orders (user_id, total) SELECT 1 + g % 2000, g / 100.0 FROM generate_series(1, 3000) g;
        INSERT INTO customer (name) SELECT 'c' || g FROM generate_series(1, 100) g;`);
    }
    // WHEN one gets the migration as written, the other its split, through the CLI
    await asWritten.client.query(await readFile(DRIZZLE, 'utf8'));
    const dir = await migrationsDir({});
    const split = await runCli(['split', DRIZZLE, '--migrations', dir, '--version', '1000']);
    expect(split.code, split.stderr).toBe(0);
    expect(split.stdout.trim().split('\n')).toHaveLength((await readdir(dir)).length);
    expect(split.stderr).toContain('0003_brave_thor.sql:2: recipe:rename-column');
    const up = await runCli(['up', '--phase', 'all', '--database-url', viaSplit.url, '--migrations', dir]);
    expect(up.code, up.stderr).toBe(0);
    // THEN the schemas match, but for NOT NULL of the renamed and retyped columns (docs/recipes.md, limits)
    const [a, b] = [await schemaOf(viaSplit), await schemaOf(asWritten)];
    expect(a.relations).toEqual(b.relations);
    expect(a.constraints).toEqual(b.constraints);
    expect(a.indexes).toEqual(b.indexes);
    const differ = a.columns.filter((c, i) => JSON.stringify(c) !== JSON.stringify(b.columns[i]));
    expect(differ.map((c) => `${c.c} nullable=${c.is_nullable}`)).toEqual([
      'orders.total nullable=YES',
      'users.full_name nullable=YES',
    ]);
    expect(a.columns.map((c) => ({ ...c, is_nullable: null }))).toEqual(
      b.columns.map((c) => ({ ...c, is_nullable: null })),
    );
    // and the rows are the same
    const rows = (db: TestDatabase) =>
      db.client
        .query(`SELECT (SELECT json_agg(u ORDER BY id) FROM users u) AS users, (SELECT json_agg(o ORDER BY id) FROM orders o) AS orders,
                       (SELECT json_agg(c ORDER BY id) FROM customers c) AS customers`)
        .then((r) => r.rows[0]);
    expect(await rows(viaSplit)).toEqual(await rows(asWritten));
  });

  it("Prisma's migration: what could not be split is named with its line, exit 1, and lint refuses the file", async () => {
    const dir = await migrationsDir({});
    const split = await runCli(['split', PRISMA, '--migrations', dir, '--version', '2000']);
    expect(split.code).toBe(1);
    expect(split.stderr).toMatch(
      /migration\.sql:12: NOT SPLIT \(AddColumn has no recipe; adding-required-column/,
    );
    expect(split.stderr).toContain('1 statement(s) could not be split');
    // named from its directory, the timestamp dropped
    expect(split.stdout).toContain(`${dir}/2000_profile_changes_drop_column.sql`);
    const kept = await readFile(join(dir, '2001_profile_changes.sql'), 'utf8');
    expect(kept).toMatch(
      /-- zerodown split: NOT SPLIT: .*\nALTER TABLE "User" ADD COLUMN {5}"role" TEXT NOT NULL;/,
    );
    const lint = await runCli(['lint', '--migrations', dir]);
    expect(lint.code).toBe(1);
    expect(lint.stdout).toContain('2001_profile_changes.sql');
  });

  it('refuses a file it cannot read or parse, writing nothing (exit 2, or 1 naming the line)', async () => {
    const dir = await migrationsDir({ 'bad.sql': 'ALTER TABLE users\n  RENAME COLUMN;' });
    const missing = await runCli(['split', join(dir, 'none.sql'), '--migrations', dir]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read .*none\.sql: no such file/);
    const bad = await runCli(['split', join(dir, 'bad.sql'), '--migrations', dir]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/bad\.sql.*2.*syntax error/s);
    expect(await readdir(dir)).toEqual(['bad.sql']);
  });
});

describe('zerodown create --recipe', () => {
  it('writes every file of the recipe, or nothing: usage errors exit 2 naming the option', async () => {
    const dir = await migrationsDir({});
    /** `create r --recipe <kind> --table t --column c …` into `dir`. */
    const create = (kind: string, ...args: string[]) =>
      runCli([
        'create',
        'r',
        '--recipe',
        kind,
        '--table',
        't',
        '--column',
        'c',
        ...args,
        '--migrations',
        dir,
      ]);
    const refused: [() => Promise<{ code: number | null; stderr: string }>, string][] = [
      [() => create('rename-column', '--version', '300'), '--recipe rename-column needs --to'],
      [() => create('set-not-null', '--to', 'x'), '--recipe set-not-null does not take --to'],
      [() => create('change-type', '--type', 'int; DROP TABLE t'), 'is not a SQL type'],
      [
        () => runCli(['create', 'r', '--table', 't', '--migrations', dir]),
        '--table: only with --recipe <kind>',
      ],
    ];
    for (const [run, message] of refused) {
      const { code, stderr } = await run();
      expect(code).toBe(2);
      expect(stderr).toContain(message);
    }
    expect(await readdir(dir)).toEqual([]);
    const ok = await create('set-not-null', '--fill', "''", '--version', '300');
    expect(ok.code, ok.stderr).toBe(0);
    const written = ok.stdout.trim().split('\n');
    expect(written.map((p) => p.slice(dir.length + 1))).toEqual([
      '300_r.backfill.json',
      '301_r_check.contract.sql',
      '302_r_validate.contract.sql',
      '303_r_not_null.contract.sql',
    ]);
    // a version a phase already has: refused before anything is written
    const again = await create('add-unique', '--version', '302');
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/302_r_validate\.contract\.sql already has version 302 in phase contract/);
    expect((await readdir(dir)).length).toBe(4);
  });
});
