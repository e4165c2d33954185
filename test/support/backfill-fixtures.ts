import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type pg from 'pg';
import { loadMigrationFile } from '../../core/migrations/load.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';
import { migrationsDir } from './migrations-dir.ts';

/**
 * A `users`-like table of `rows` rows: `username` (the old column), `display_name` (the new one) and
 * `backfilled`, which a trigger increments every time `display_name` changes, so a test can see that
 * each row was written exactly once. Key `id`, with gaps (every third id is skipped).
 */
export async function createUsersTable(client: pg.ClientBase, table: string, rows: number): Promise<void> {
  await client.query(`
    CREATE TABLE ${table} (
      id bigint PRIMARY KEY,
      username text NOT NULL,
      display_name text,
      backfilled int NOT NULL DEFAULT 0
    );
    CREATE FUNCTION ${table}_count_writes() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.display_name IS DISTINCT FROM OLD.display_name THEN NEW.backfilled := OLD.backfilled + 1; END IF;
      RETURN NEW;
    END $$;
    CREATE TRIGGER ${table}_count_writes BEFORE UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION ${table}_count_writes();
  `);
  await client.query(
    `INSERT INTO ${table} (id, username)
     SELECT g + g / 2, 'user' || g FROM generate_series(1, $1::int) g`,
    [rows],
  );
  await client.query(`ANALYZE ${table}`);
}

/** Writes a backfill spec file into a fresh migrations directory and loads it with the real loader. */
export async function backfillFile(
  name: string,
  spec: Record<string, unknown> | string,
): Promise<BackfillMigration> {
  const text = typeof spec === 'string' ? spec : JSON.stringify(spec, null, 2);
  const dir = await migrationsDir({ [name]: text });
  return (await loadMigrationFile(join(dir, name))) as BackfillMigration;
}

/** Overwrites a loaded backfill's file and loads it again (a spec edited after its backfill started). */
export async function rewriteBackfill(migration: BackfillMigration, spec: Record<string, unknown>) {
  await writeFile(migration.path, JSON.stringify(spec, null, 2));
  return (await loadMigrationFile(migration.path)) as BackfillMigration;
}

/** Rows of a fixture table: in all, with `display_name` equal to `expected` (SQL), and written exactly once. */
export async function rowStats(
  client: pg.ClientBase,
  table: string,
  expected: string,
): Promise<{ total: number; right: number; once: number }> {
  const { rows } = await client.query(
    `SELECT count(*)::int AS total,
            count(*) FILTER (WHERE display_name = ${expected})::int AS right,
            count(*) FILTER (WHERE backfilled = 1)::int AS once
       FROM ${table}`,
  );
  return rows[0] as { total: number; right: number; once: number };
}
