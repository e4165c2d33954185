import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  prepareBackfill,
  removeSyncTriggers,
  runBackfillChunk,
  runBackfillToCompletion,
} from '../../core/backfill/index.ts';
import { guard } from '../../core/db/guarded.ts';
import { MigrationFailed } from '../../core/errors.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { BackfillMigration } from '../../core/migrations/types.ts';
import { applyPending } from '../../core/runner/apply.ts';
import { rollback } from '../../core/runner/rollback.ts';
import { backfillFile, createUsersTable } from '../support/backfill-fixtures.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { recordingLog } from '../support/recording-log.ts';
import { loopWriter } from '../support/writer.ts';

const db = useFreshDatabase();
const ROWS = 200_000;

async function syncTriggers(): Promise<string[]> {
  const { rows } = await db.client.query(
    "SELECT tgname FROM pg_trigger WHERE tgname LIKE 'zerodown\\_sync\\_%' ORDER BY tgname",
  );
  return rows.map((r) => r.tgname);
}

const writer = (step: (client: pg.Client, n: number) => Promise<void>) => loopWriter(db.connect, step);

describe('sync: rows the old application version writes during and after the backfill', () => {
  it('ends with every row right under an old-app writer, and the new app keeps the values it wrote', async () => {
    // GIVEN 200,000 rows (ids with gaps) and a backfill with sync
    await createUsersTable(db.client, 'sync_users', ROWS);
    const migration = await backfillFile('101_sync.backfill.json', {
      table: 'sync_users',
      set: { display_name: 'username' },
      sync: true,
      partitions: 2,
      targetBatchMs: 20,
    });
    await prepareBackfill(db.client, migration, { executionId: 'sync', log: recordingLog() });
    // the old version inserts into the gaps (behind and ahead of the cursors) and renames users,
    // writing only username; the new version writes display_name itself on ids that end in 0
    const explicit = new Set<number>();
    const oldApp = writer(async (client, n) => {
      const id = 3 * ((n * 7919) % (ROWS / 2)) + 2; // a gap: ids 2, 5, 8, ... are not in the table
      await client.query(
        "INSERT INTO sync_users (id, username) VALUES ($1, 'inserted' || $2) ON CONFLICT DO NOTHING",
        [id, String(id)],
      );
      const renamed = 1 + ((n * 104_729) % ROWS);
      await client.query("UPDATE sync_users SET username = 'renamed' || $2 WHERE id = $1 AND id % 10 <> 0", [
        renamed,
        n,
      ]);
    });
    const newApp = writer(async (client, n) => {
      const id = 10 * (1 + ((n * 7907) % (ROWS / 10)));
      const { rowCount } = await client.query(
        "UPDATE sync_users SET display_name = 'explicit' || id WHERE id = $1",
        [id],
      );
      if (rowCount) explicit.add(id);
      await client.query("INSERT INTO sync_users (id, username, display_name) VALUES ($1, 'new', 'chosen')", [
        10_000_000 + n,
      ]);
    });
    // WHEN the backfill runs, and the writers go on after it finished
    await runBackfillToCompletion(db.client, migration, {
      executionId: 'sync',
      log: recordingLog(),
      connect: db.connect,
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const oldWrites = await oldApp.stop();
    const newWrites = await newApp.stop();
    // THEN every row the old version wrote or the backfill filled has display_name = username
    expect(oldWrites).toBeGreaterThan(10);
    expect(newWrites).toBeGreaterThan(10);
    const ids = [...explicit];
    const { rows } = await db.client.query(
      `SELECT count(*) FILTER (WHERE id < 10000000 AND id <> ALL ($1::bigint[]) AND display_name IS DISTINCT FROM username)::int AS stale,
              count(*) FILTER (WHERE id = ANY ($1::bigint[]) AND display_name <> 'explicit' || id)::int AS overwritten,
              count(*) FILTER (WHERE id >= 10000000 AND display_name <> 'chosen')::int AS lost,
              count(*) FILTER (WHERE username LIKE 'inserted%')::int AS inserted,
              count(*) FILTER (WHERE username LIKE 'renamed%')::int AS renamed
         FROM sync_users`,
      [ids],
    );
    expect(rows[0]).toMatchObject({ stale: 0, overwritten: 0, lost: 0 });
    expect(rows[0].inserted).toBeGreaterThan(0);
    expect(rows[0].renamed).toBeGreaterThan(0);
  });

  it('without sync, the same old-app writes after the backfill leave stale values (what sync prevents)', async () => {
    await createUsersTable(db.client, 'nosync_users', 10_000);
    const migration = await backfillFile('102_nosync.backfill.json', {
      table: 'nosync_users',
      set: { display_name: 'username' },
    });
    await runBackfillToCompletion(db.client, migration, { executionId: 'nosync', log: recordingLog() });
    await db.client.query("UPDATE nosync_users SET username = 'renamed' WHERE id <= 100");
    await db.client.query("INSERT INTO nosync_users (id, username) VALUES (2, 'inserted')");
    const { rows } = await db.client.query(
      'SELECT count(*)::int AS stale FROM nosync_users WHERE display_name IS DISTINCT FROM username',
    );
    expect(rows[0].stale).toBe(68);
  });

  it('runs the example migrations: expand, both backfills under old-app writes, then contract', async () => {
    await db.client.query(`
      CREATE TABLE users (id bigserial PRIMARY KEY, username text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
      INSERT INTO users (username) SELECT 'user' || g FROM generate_series(1, 100000) g;
      CREATE TABLE orders (id serial PRIMARY KEY, user_id bigint NOT NULL, total numeric(12, 2) NOT NULL);
      INSERT INTO orders (user_id, total) SELECT 1 + g % 1000, g FROM generate_series(1, 100000) g;`);
    const migrations = await loadMigrations('migrations');
    const log = recordingLog();
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'demo', log });
    // the old version of the app keeps writing only the old columns
    const oldApp = writer(async (client, n) => {
      await client.query('INSERT INTO orders (user_id, total) VALUES ($1, 9.99)', [1 + (n % 1000)]);
      await client.query("INSERT INTO users (username) VALUES ('late' || $1)", [n]);
      await client.query("UPDATE users SET username = 'renamed' || $2 WHERE id = $1", [
        1 + ((n * 7919) % 100_000),
        String(n),
      ]);
    });
    for (const migration of migrations.filter((m): m is BackfillMigration => m.kind === 'backfill')) {
      await runBackfillToCompletion(db.client, migration, { executionId: 'demo', log });
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await oldApp.stop()).toBeGreaterThan(0);
    const check = await db.client.query(`
      SELECT (SELECT count(*) FROM users WHERE display_name IS DISTINCT FROM username)::int AS users,
             (SELECT count(*) FROM orders WHERE id_new IS DISTINCT FROM id)::int AS orders`);
    expect(check.rows[0]).toEqual({ users: 0, orders: 0 });
    // contract validates NOT NULL on both new columns and swaps the key: it removes the triggers first
    await applyPending(db.client, migrations, { phases: ['contract'], executionId: 'demo', log });
    expect(await syncTriggers()).toEqual([]);
    const after = await db.client.query(`
      SELECT format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'id'`);
    expect(after.rows).toEqual([{ type: 'bigint' }]);
    await db.client.query('INSERT INTO orders (user_id, total) VALUES (1, 1)');
  });
});

describe('sync triggers and the runner', () => {
  it('a contract run removes only the triggers of finished backfills up to each contract migration', async () => {
    const dir = await migrationsDir({
      '11_a.sql':
        '-- migrate:up\nCREATE TABLE ta (id int PRIMARY KEY, v text, w text);\nINSERT INTO ta SELECT g, g::text FROM generate_series(1, 1000) g;\n',
      '11_a.backfill.json': JSON.stringify({ table: 'ta', set: { w: 'v' }, sync: true }),
      '12_a.contract.sql': 'ALTER TABLE ta ALTER COLUMN w SET NOT NULL;',
      '13_b.sql':
        '-- migrate:up\nCREATE TABLE tb (id int PRIMARY KEY, v text, w text);\nINSERT INTO tb SELECT g, g::text FROM generate_series(1, 1000) g;\n',
      '13_b.backfill.json': JSON.stringify({ table: 'tb', set: { w: 'v' }, sync: true }),
      '14_b.contract.sql': 'ALTER TABLE tb ALTER COLUMN w SET NOT NULL;',
    });
    const migrations = await loadMigrations(dir);
    const log = recordingLog();
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'c', log });
    const [a, b] = migrations.filter((m): m is BackfillMigration => m.kind === 'backfill');
    await runBackfillToCompletion(db.client, a!, { executionId: 'c', log });
    await prepareBackfill(db.client, b!, { executionId: 'c', log });
    const error = await applyPending(db.client, migrations, {
      phases: ['contract'],
      executionId: 'c',
      log,
    }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationFailed);
    expect(error.message).toMatch(
      /14_b\.contract\.sql cannot run before the backfill .*13_b\.backfill\.json/,
    );
    // tb's old app still needs its trigger: the backfill has not finished
    expect((await syncTriggers()).filter((t) => t.startsWith('zerodown_sync_11_'))).toEqual([]);
    expect((await syncTriggers()).filter((t) => t.startsWith('zerodown_sync_13_'))).toHaveLength(2);
    expect(await removeSyncTriggers(guard(db.client, { log }), migrations, { upToVersion: '12' })).toEqual(
      [],
    );
    expect(await removeSyncTriggers(guard(db.client, { log }), migrations)).toEqual([
      'zerodown_sync_13_insert',
      'zerodown_sync_13_update',
    ]);
  });

  it('rolling back an expand whose backfill never finished removes the trigger that depends on its column', async () => {
    await createUsersTable(db.client, 'rb_users', 5000);
    const dir = await migrationsDir({
      '21_rb.sql':
        '-- migrate:up\nALTER TABLE rb_users ADD COLUMN nickname text;\n-- migrate:down\nALTER TABLE rb_users DROP COLUMN nickname;\n',
      '21_rb.backfill.json': JSON.stringify({
        table: 'rb_users',
        set: { nickname: 'username' },
        sync: true,
        batchSize: 100,
      }),
    });
    const migrations = await loadMigrations(dir);
    const log = recordingLog();
    await applyPending(db.client, migrations, { phases: ['expand'], executionId: 'rb', log });
    const backfill = migrations.find((m): m is BackfillMigration => m.kind === 'backfill')!;
    const [job] = await prepareBackfill(db.client, backfill, { executionId: 'rb', log });
    await runBackfillChunk(db.client, backfill, job!, { executionId: 'rb', log, budgetMs: 1 });
    expect((await syncTriggers()).filter((t) => t.startsWith('zerodown_sync_21_'))).toHaveLength(2);
    // WHEN the expand is rolled back (the workflow's Rollback after a failed backfill)
    await rollback(db.client, migrations, { appliedBy: 'rb', executionId: 'rb', log });
    // THEN the column, the trigger and the progress are gone, and the old app's writes work
    expect((await syncTriggers()).filter((t) => t.startsWith('zerodown_sync_21_'))).toEqual([]);
    const column = await db.client.query(
      "SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'rb_users'::regclass AND attname = 'nickname' AND NOT attisdropped",
    );
    expect(column.rows[0].n).toBe(0);
    const progress = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.backfills WHERE version = '21'",
    );
    expect(progress.rows[0].n).toBe(0);
    await db.client.query("INSERT INTO rb_users (id, username) VALUES (-1, 'after')");
  });
});
