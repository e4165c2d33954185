import { beforeEach, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../lambdas/events.ts';
import { catalogSnapshot } from '../support/catalog.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { failureOf, localHandlers } from './lambdas.support.ts';

// Failure paths of the task handlers on real PostgreSQL: Rollback undoes what this execution applied
// (and only that), says what stopped it, and refuses to touch anything once the lease is lost;
// FinishBackfills raises a partition's failure again with its own name and message.
const db = useFreshDatabase();
// biome-ignore lint/suspicious/noExplicitAny: task results are JSON
type Json = any;

const addColumn = (column: string) =>
  `-- migrate:up\nALTER TABLE items ADD COLUMN ${column} text;\n-- migrate:down\nALTER TABLE items DROP COLUMN ${column};\n`;

async function start(files: Record<string, string>, executionId: string) {
  const dir = await migrationsDir(files);
  const tasks = localHandlers(db.url, dir);
  const plan = (await tasks.handlers.plan({
    input: { release: executionId, phases: ['expand', 'backfill'] },
    executionId,
  })) as PlanResult;
  await tasks.handlers.acquireLock({ executionId, release: executionId });
  return { ...tasks, plan, dir };
}

beforeEach(async () => {
  await db.client.query(`
    DROP SCHEMA IF EXISTS zerodown CASCADE;
    DROP TABLE IF EXISTS items;
    CREATE TABLE items (id bigint PRIMARY KEY, name text NOT NULL);
    INSERT INTO items SELECT g, 'item ' || g FROM generate_series(1, 500) g;`);
});

describe('Rollback', () => {
  it("undoes this execution's migrations, newest first, and restores the catalog exactly", async () => {
    // GIVEN an earlier execution applied 1; this one applies 2 and 3, then 4 fails
    const earlier = await start({ '1_a.sql': addColumn('a') }, 'earlier');
    await earlier.handlers.expand({ plan: earlier.plan });
    await earlier.handlers.releaseLock({ executionId: 'earlier' });
    const before = await catalogSnapshot(db.client);
    const run = await start(
      {
        '1_a.sql': addColumn('a'),
        '2_b.sql': addColumn('b'),
        '3_c.sql': addColumn('c'),
        '4_bad.sql':
          '-- migrate:up\nALTER TABLE items ADD COLUMN d nosuchtype;\n-- migrate:down\nSELECT 1;\n',
      },
      'failing',
    );
    const failure = await failureOf(run.handlers.expand({ plan: run.plan }));
    expect(failure.name).toBe('MigrationFailed');
    expect(failure.message).toMatch(/4_bad\.sql:2: type "nosuchtype" does not exist/);
    // WHEN the workflow rolls back with the failure
    const result = (await run.handlers.rollback({
      plan: run.plan,
      failure: {
        Error: failure.name,
        Cause: JSON.stringify({ errorType: failure.name, errorMessage: failure.message }),
      },
    })) as Json;
    // THEN only this execution's migrations are undone, newest first
    expect(result).toEqual({ rolledBack: ['3.expand', '2.expand'] });
    expect(await catalogSnapshot(db.client)).toEqual(before);
  });

  it('stops at a migration without a down, saying which failure it was undoing', async () => {
    const run = await start(
      {
        '1_a.sql':
          '-- migrate:up\nALTER TABLE items ADD COLUMN a text;\n-- migrate:down irreversible: data would be lost\n',
        '2_bad.sql': 'ALTER TABLE nowhere ADD COLUMN x text;\n',
      },
      'irreversible',
    );
    const failure = await failureOf(run.handlers.expand({ plan: run.plan }));
    const error = await failureOf(
      run.handlers.rollback({ plan: run.plan, failure: { Error: failure.name, Cause: failure.message } }),
    );
    expect(error.name).toBe('IrreversibleMigration');
    expect(error.message).toMatch(
      /1_a\.sql cannot be rolled back: data would be lost \(while rolling back after MigrationFailed\)$/,
    );
  });

  it('refuses with LeaseLost, changing nothing, when another execution took the lease over', async () => {
    const run = await start({ '1_a.sql': addColumn('a') }, 'lost');
    await run.handlers.expand({ plan: run.plan });
    await db.client.query(
      "UPDATE zerodown.lock SET owner = 'someone-else', expires_at = now() + interval '1 hour'",
    );
    const error = await failureOf(run.handlers.rollback({ plan: run.plan }));
    expect(error.name).toBe('LeaseLost');
    expect(error.message).toContain('someone-else');
    const columns = await db.client.query(
      "SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'items' AND column_name = 'a'",
    );
    expect(columns.rows[0].n).toBe(1);
  });
});

describe('FinishBackfills', () => {
  it("raises a failed partition's error again, with its name, message and partition", async () => {
    const run = await start(
      {
        '1_a.sql': addColumn('a'),
        '1_a.backfill.json': '{ "table": "items", "set": { "a": "(1 / (id - id))::text" } }',
      },
      'backfill-fails',
    );
    await run.handlers.expand({ plan: run.plan });
    const { jobs } = (await run.handlers.prepareBackfill({ plan: run.plan })) as { jobs: Json[] };
    const chunkFailure = await failureOf(
      run.handlers.backfillChunk({ job: jobs[0], executionId: 'backfill-fails' }),
    );
    expect(chunkFailure.message).toContain('division by zero');
    // the Map's item ends as the PartitionFailed state writes it
    const results = [
      {
        job: jobs[0],
        failed: true,
        failure: {
          Error: chunkFailure.name,
          Cause: JSON.stringify({ errorType: chunkFailure.name, errorMessage: chunkFailure.message }),
        },
      },
    ];
    const error = await failureOf(run.handlers.finishBackfills({ plan: run.plan, results }));
    expect(error.name).toBe(chunkFailure.name);
    expect(error.message).toBe(`${chunkFailure.message} (partition 0 of 1_a)`);
  });
});
