import { describe, expect, it } from 'vitest';
import {
  prepareBackfill,
  readPartitions,
  runBackfillChunk,
  runBackfillToCompletion,
} from '../../core/backfill/index.ts';
import { MigrationFailed } from '../../core/errors.ts';
import { backfillFile, createUsersTable, rewriteBackfill, rowStats } from '../support/backfill-fixtures.ts';
import { useFreshDatabase } from '../support/database.ts';
import { recordingLog } from '../support/recording-log.ts';

const db = useFreshDatabase();

describe('backfill specs and errors', () => {
  it('quotes awkward identifiers and walks a composite key', async () => {
    await db.client.query(`
      CREATE SCHEMA "Sales";
      CREATE TABLE "Sales"."Order Lines" ("Order" int NOT NULL, "select" text NOT NULL, "Gross" numeric NOT NULL,
        "Net""Total" numeric, PRIMARY KEY ("Order", "select"));
      INSERT INTO "Sales"."Order Lines" SELECT g / 10, 'line ' || (g % 10), g FROM generate_series(1, 50000) g;`);
    const migration = await backfillFile('9_lines.backfill.json', {
      table: 'Sales.Order Lines',
      set: { 'Net"Total': '"Gross" * 0.8' },
      key: ['Order', 'select'],
      partitions: 2,
      sync: true,
      targetBatchMs: 20,
    });
    await runBackfillToCompletion(db.client, migration, {
      executionId: 'test-quotes',
      log: recordingLog(),
      connect: db.connect,
    });
    const { rows } = await db.client.query(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE "Net""Total" = "Gross" * 0.8)::int AS right FROM "Sales"."Order Lines"`,
    );
    expect(rows[0]).toEqual({ n: 50000, right: 50000 });
    // the sync trigger works with them too
    await db.client.query(`INSERT INTO "Sales"."Order Lines" VALUES (99999, 'x', 10)`);
    const synced = await db.client.query(
      `SELECT "Net""Total"::text AS v FROM "Sales"."Order Lines" WHERE "Order" = 99999`,
    );
    expect(synced.rows).toEqual([{ v: '8.0' }]);
  });

  it('runs a custom .backfill.ts with the keys of each batch and the batch transaction', async () => {
    await createUsersTable(db.client, 'custom_users', 20_000);
    const migration = await backfillFile(
      '10_custom.backfill.ts',
      `export default {
        table: 'custom_users',
        set: { display_name: 'username' },
        async run({ keys, client }) {
          const ids = keys.map(([id]) => id);
          await client.query("UPDATE custom_users SET display_name = 'custom ' || id WHERE id = ANY ($1::bigint[])", [ids]);
        },
      };`,
    );
    await runBackfillToCompletion(db.client, migration, { executionId: 'test-custom', log: recordingLog() });
    expect(await rowStats(db.client, 'custom_users', "'custom ' || id")).toEqual({
      total: 20_000,
      right: 20_000,
      once: 20_000,
    });
  });

  it('says what to do when the expand has not run, the key has no index, or the file changed after the start', async () => {
    await createUsersTable(db.client, 'err_users', 100);
    const missing = await backfillFile('11_missing.backfill.json', {
      table: 'err_users',
      set: { nickname: 'username' },
    });
    const log = recordingLog();
    await expect(prepareBackfill(db.client, missing, { executionId: 'e', log })).rejects.toThrow(
      /11_missing\.backfill\.json: column err_users\.nickname does not exist; apply the expand migration that adds it first/,
    );
    const unindexed = await backfillFile('12_unindexed.backfill.json', {
      table: 'err_users',
      set: { display_name: 'username' },
      key: 'username',
    });
    await expect(prepareBackfill(db.client, unindexed, { executionId: 'e', log })).rejects.toThrow(
      /no btree index on err_users starts with \(username\)/,
    );
    const started = await backfillFile('13_changed.backfill.json', {
      table: 'err_users',
      set: { display_name: 'username' },
    });
    const [job] = await prepareBackfill(db.client, started, { executionId: 'e', log });
    // one batch commits with the file as it was
    await runBackfillChunk(db.client, started, job!, { budgetMs: 1, executionId: 'e', log });
    const changed = await rewriteBackfill(started, {
      table: 'err_users',
      set: { display_name: 'upper(username)' },
      where: 'display_name IS DISTINCT FROM upper(username)',
    });
    const error = await prepareBackfill(db.client, changed, { executionId: 'e', log }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationFailed);
    expect(error.message).toMatch(
      /13_changed\.backfill\.json changed since its backfill started .*--restart/,
    );
    await prepareBackfill(db.client, changed, { executionId: 'e', log, restart: true });
    await runBackfillToCompletion(db.client, changed, { executionId: 'e', log });
    expect(await rowStats(db.client, 'err_users', 'upper(username)')).toMatchObject({
      total: 100,
      right: 100,
    });
  });

  it('a batch that fails names the file, table and key range, keeps the progress before it and marks the partition failed', async () => {
    await createUsersTable(db.client, 'bad_users', 5000);
    await db.client.query("UPDATE bad_users SET username = '' WHERE id = 4000");
    const migration = await backfillFile('14_bad.backfill.json', {
      table: 'bad_users',
      set: { display_name: 'username || (1 / length(username))::text' },
      batchSize: 500,
      maxBatchSize: 500,
    });
    const error = await runBackfillToCompletion(db.client, migration, {
      executionId: 'e',
      log: recordingLog(),
    }).catch((e) => e);
    expect(error).toBeInstanceOf(MigrationFailed);
    expect(error.message).toMatch(
      /14_bad\.backfill\.json: the batch of bad_users after key \(\d+\) failed: division by zero \(SQLSTATE 22012\)/,
    );
    const [state] = await readPartitions(db.client, '14');
    expect(state!.status).toBe('failed');
    expect(state!.rowsDone).toBeGreaterThan(2000);
    const last = await db.client.query('SELECT last_error FROM zerodown.backfills WHERE version = $1', [
      '14',
    ]);
    expect(last.rows[0].last_error).toContain('division by zero');
  });
});
