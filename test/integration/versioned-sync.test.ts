import { describe, expect, it } from 'vitest';
import { prepareBackfill, removeSyncTriggers, runBackfillToCompletion } from '../../core/backfill/index.ts';
import { guard } from '../../core/db/guarded.ts';
import { MigrationLoadError } from '../../core/errors.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { rollback } from '../../core/runner/rollback.ts';
import { backfillFile } from '../support/backfill-fixtures.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { recordingLog } from '../support/recording-log.ts';
import { loopWriter } from '../support/writer.ts';

// Two-way sync (reverse in the backfill spec) needs no views: these run on PostgreSQL 14 too.
const db = useFreshDatabase();
const log = recordingLog();

describe('two-way sync: the old and the new version write concurrently', () => {
  it('loses no update: old-version n = n + 1 and new-version n_new = n_new + 1 add up on every row', async () => {
    // GIVEN int -> bigint with a checked conversion back, backfilled, and 50 rows to fight over
    await db.client.query(`
      CREATE TABLE counters (id int PRIMARY KEY, n int NOT NULL, n_new bigint);
      INSERT INTO counters (id, n) SELECT g, 1000 * g FROM generate_series(1, 50) g;`);
    const migration = await backfillFile('201_counters.backfill.json', {
      table: 'counters',
      set: { n_new: 'n' },
      reverse: { n: 'n_new::integer' },
      sync: true,
    });
    await runBackfillToCompletion(db.client, migration, { executionId: 'two-way', log });
    // both conversions are plain assignments over the row (no query per row)
    const { rows: body } = await db.client.query("SELECT prosrc FROM pg_proc WHERE proname = 'sync_201'");
    expect(body[0].prosrc).toContain('NEW."n_new" := (NEW."n");');
    expect(body[0].prosrc).toContain('NEW."n" := (NEW."n_new"::integer);');
    // WHEN two old-version and two new-version writers increment random rows, 300 times each
    const increments = new Map<number, number>();
    const count = (id: number) => increments.set(id, (increments.get(id) ?? 0) + 1);
    const writers = [0, 1, 2, 3].map((w) =>
      loopWriter(
        db.connect,
        async (client, n) => {
          const id = 1 + ((n * 7919 + w * 104_729) % 50);
          const sql =
            w % 2 === 0
              ? 'UPDATE counters SET n = n + 1 WHERE id = $1' // the old version knows n
              : 'UPDATE counters SET n_new = n_new + 1 WHERE id = $1'; // the new one, n_new
          const { rowCount } = await client.query(sql, [id]);
          if (rowCount === 1) count(id);
        },
        { steps: 300 },
      ),
    );
    expect(await Promise.all(writers.map((w) => w.stop()))).toEqual([300, 300, 300, 300]);
    // THEN every row holds its start value plus every increment of both versions, in both columns
    const { rows } = await db.client.query<{ id: number; n: number; n_new: string }>(
      'SELECT id, n, n_new FROM counters ORDER BY id',
    );
    expect(rows).toHaveLength(50);
    const wrong = rows.filter(
      (r) => r.n !== 1000 * r.id + (increments.get(r.id) ?? 0) || Number(r.n_new) !== r.n,
    );
    expect(wrong).toEqual([]);
    expect([...increments.values()].reduce((a, b) => a + b, 0)).toBe(1200);
  });

  it('keeps renamed columns in step in both directions, inserts and updates, with zero rows wrong', async () => {
    // GIVEN a rename username -> display_name with two-way sync, while the backfill runs
    await db.client.query(`
      CREATE TABLE people (id bigserial PRIMARY KEY, username text NOT NULL, display_name text);
      INSERT INTO people (username) SELECT 'user' || g FROM generate_series(1, 20000) g;`);
    const migration = await backfillFile('202_people.backfill.json', {
      table: 'people',
      set: { display_name: 'username' },
      reverse: { username: 'display_name' },
      sync: true,
      batchSize: 500,
    });
    await prepareBackfill(db.client, migration, { executionId: 'rename', log });
    const oldApp = loopWriter(db.connect, async (client, n) => {
      await client.query("INSERT INTO people (username) VALUES ('old-insert' || $1)", [n]);
      await client.query("UPDATE people SET username = 'old-update' || $2 WHERE id = $1", [
        1 + ((n * 7919) % 20000),
        n,
      ]);
    });
    // the new version never names username (NOT NULL): the trigger fills it
    const newApp = loopWriter(db.connect, async (client, n) => {
      await client.query("INSERT INTO people (display_name) VALUES ('new-insert' || $1)", [n]);
      await client.query("UPDATE people SET display_name = 'new-update' || $2 WHERE id = $1", [
        1 + ((n * 104_729) % 20000),
        n,
      ]);
    });
    // WHEN the backfill runs to the end under both writers
    await runBackfillToCompletion(db.client, migration, { executionId: 'rename', log, connect: db.connect });
    const [oldSteps, newSteps] = [await oldApp.stop(), await newApp.stop()];
    // THEN every row has the same value in both columns, and every insert of both versions is there
    const { rows } = await db.client.query(`
      SELECT count(*) FILTER (WHERE username IS DISTINCT FROM display_name)::int AS wrong,
             count(*) FILTER (WHERE username LIKE 'old-insert%')::int AS old_inserts,
             count(*) FILTER (WHERE display_name LIKE 'new-insert%')::int AS new_inserts,
             count(*) FILTER (WHERE username LIKE 'new-update%')::int AS new_updates_seen_by_old
        FROM people`);
    expect(rows[0]).toMatchObject({ wrong: 0, old_inserts: oldSteps, new_inserts: newSteps });
    expect(rows[0].new_updates_seen_by_old).toBeGreaterThan(0);
  });

  it('checks the conversion back: a bigint the old int column cannot hold fails the new version’s write', async () => {
    await db.client.query(`
      CREATE TABLE amounts (id int PRIMARY KEY, v int, v_new bigint);
      INSERT INTO amounts (id, v) VALUES (1, 7);`);
    const migration = await backfillFile('203_amounts.backfill.json', {
      table: 'amounts',
      set: { v_new: 'v' },
      reverse: { v: 'v_new::integer' },
      sync: true,
    });
    await runBackfillToCompletion(db.client, migration, { executionId: 'check', log });
    const error = await db.client
      .query('UPDATE amounts SET v_new = 10000000000 WHERE id = 1')
      .catch((e: Error) => e);
    expect((error as Error).message).toMatch(/integer out of range/);
    await db.client.query('UPDATE amounts SET v_new = 123 WHERE id = 1');
    const { rows } = await db.client.query('SELECT v, v_new::int AS v_new FROM amounts');
    expect(rows).toEqual([{ v: 123, v_new: 123 }]);
  });

  it('rolling back after the new version wrote loses no row: the old column holds what it wrote', async () => {
    // GIVEN the expand and a two-way backfill applied, and the new version writing only display_name
    const dir = await migrationsDir({
      '301_members.sql':
        '-- migrate:up\nALTER TABLE members ADD COLUMN display_name text;\n-- migrate:down\nALTER TABLE members DROP COLUMN display_name;\n',
      '301_members.backfill.json': JSON.stringify({
        table: 'members',
        set: { display_name: 'username' },
        reverse: { username: 'display_name' },
        sync: true,
      }),
    });
    await db.client.query(`
      CREATE TABLE members (id bigserial PRIMARY KEY, username text NOT NULL);
      INSERT INTO members (username) SELECT 'member' || g FROM generate_series(1, 1000) g;`);
    const migrations = await loadMigrations(dir);
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'rb', log });
    const backfill = migrations.find((m): m is BackfillMigration => m.kind === 'backfill')!;
    await runBackfillToCompletion(db.client, backfill, { executionId: 'rb', log });
    await db.client.query(
      "INSERT INTO members (display_name) SELECT 'new' || g FROM generate_series(1, 100) g",
    );
    await db.client.query("UPDATE members SET display_name = 'renamed' || id WHERE id <= 300");
    // WHEN the release is rolled back (backfill, then the expand's down drops display_name)
    await rollback(db.client, migrations, { appliedBy: 'rb', executionId: 'rb', log });
    // THEN the old version's column has every row, with the values the new version wrote
    const { rows } = await db.client.query(`
      SELECT count(*)::int AS total,
             count(*) FILTER (WHERE id <= 300 AND username = 'renamed' || id)::int AS renamed,
             count(*) FILTER (WHERE username LIKE 'new%')::int AS inserted
        FROM members`);
    expect(rows[0]).toEqual({ total: 1100, renamed: 300, inserted: 100 });
  });

  it('contract removes the two-way trigger and the old column’s NOT NULL, so the new version’s inserts go on', async () => {
    // GIVEN the members rename again, backfilled, with username NOT NULL
    await db.client.query(`
      CREATE TABLE accounts (id bigserial PRIMARY KEY, username text NOT NULL, display_name text);
      INSERT INTO accounts (username) VALUES ('a'), ('b');`);
    const migration = await backfillFile('205_accounts.backfill.json', {
      table: 'accounts',
      set: { display_name: 'username' },
      reverse: { username: 'display_name' },
      sync: true,
    });
    await runBackfillToCompletion(db.client, migration, { executionId: 'nn', log });
    // WHEN contract starts (the triggers go), THEN an insert of the new column alone still works
    const dropped = await removeSyncTriggers(guard(db.client, { log }), [migration]);
    expect(dropped).toEqual(expect.arrayContaining(['zerodown_sync_205_insert', 'zerodown_sync_205_update']));
    await db.client.query("INSERT INTO accounts (display_name) VALUES ('c')");
    const { rows } = await db.client.query('SELECT username, display_name FROM accounts ORDER BY id');
    expect(rows).toEqual([
      { username: 'a', display_name: 'a' },
      { username: 'b', display_name: 'b' },
      { username: null, display_name: 'c' },
    ]);
  });

  it('refuses reverse without sync, and reverse naming a set column, at load', async () => {
    for (const [spec, message] of [
      [
        { table: 't', set: { b: 'a' }, reverse: { a: 'b' } },
        /reverse is two-way sync and needs "sync": true/,
      ],
      [{ table: 't', set: { b: 'a' }, reverse: { b: 'a' }, sync: true }, /b is a target of set/],
    ] as const) {
      const error = await backfillFile('204_bad.backfill.json', spec).catch((e) => e);
      expect(error).toBeInstanceOf(MigrationLoadError);
      expect(error.message).toMatch(/204_bad\.backfill\.json/);
      expect(error.message).toMatch(message);
    }
  });
});
