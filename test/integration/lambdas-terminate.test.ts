import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../lambdas/events.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { failureOf, localHandlers } from './lambdas.support.ts';

// pg_terminate_backend on a task's own session in the middle of its statement (a failover, an operator,
// idle_session_timeout): the task fails with the database's error, nothing is half applied or lost,
// the lease stays with the execution, and the same task run again (the state machine's retry) finishes.
const db = useFreshDatabase();

/** Terminates the backend of a zerodown task (`application_name`, a LIKE pattern) as soon as it runs a query containing `text`. */
async function terminateWhenRunning(applicationName: string, text: string): Promise<void> {
  for (;;) {
    const { rows } = await db.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE $1
          AND state = 'active' AND strpos(query, $2) > 0`,
      [applicationName, text],
    );
    if (rows[0]) {
      await db.client.query('SELECT pg_terminate_backend($1)', [rows[0].pid]);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const waitWhileHeld = (table: string) =>
  `SELECT pg_sleep(CASE WHEN to_regclass('${table}_hold') IS NULL THEN 0 ELSE 60 END) AS ${table}_wait`;

describe('a task whose session is terminated mid-statement', () => {
  for (const phase of ['expand', 'contract'] as const) {
    it(`${phase}: fails with the error, keeps what committed and the lease, and the retry finishes`, async () => {
      const table = `term_${phase}`;
      await db.client.query(`CREATE TABLE ${table}_hold (); CREATE TABLE ${table}_src (id bigint)`);
      const suffix = phase === 'contract' ? '.contract' : '';
      const version = phase === 'expand' ? '1' : '2';
      const dir = await migrationsDir({
        [`${version}_t${suffix}.sql`]: `-- migrate:up transaction:false\nCREATE TABLE ${table} (id bigint);\n${waitWhileHeld(table)};\nALTER TABLE ${table} ADD COLUMN done boolean;\n-- migrate:down\nDROP TABLE ${table};\n`,
      });
      const { handlers } = localHandlers(db.url, dir);
      const executionId = `term-${phase}`;
      const plan = (await handlers.plan({
        // a contract-only execution applies a contract a person names
        input: {
          release: executionId,
          phases: [phase],
          ...(phase === 'contract' ? { contract: [version] } : {}),
        },
        executionId,
      })) as PlanResult;
      expect(plan[phase]).toEqual([`${version}.${phase}`]);
      await handlers.acquireLock({ executionId, release: executionId });
      // the failure is awaited from the start: the task may reject before the terminate query returns
      const failure = failureOf(handlers[phase]({ plan }));
      await terminateWhenRunning(`zerodown-${phase}`, `${table}_wait`);
      const error = await failure;
      // the error the state machine retries once the database is back
      expect(error.name).toBe('DatabaseUnavailable');
      expect(error.message).toMatch(/terminat/i);
      // the first statement committed and is recorded; the lease is still this execution's
      const partial = await db.client.query(
        'SELECT statements_done FROM zerodown.partial WHERE version = $1',
        [version],
      );
      expect(partial.rows.map((r) => r.statements_done)).toEqual([1]);
      const lease = await db.client.query('SELECT owner FROM zerodown.lock WHERE id = 1');
      expect(lease.rows[0].owner).toBe(executionId);
      // the retry resumes after the committed statement and finishes
      await db.client.query(`DROP TABLE ${table}_hold`);
      await handlers[phase]({ plan });
      const column = await db.client.query(
        'SELECT 1 FROM information_schema.columns WHERE table_name = $1 AND column_name = $2',
        [table, 'done'],
      );
      expect(column.rowCount).toBe(1);
      const applied = await db.client.query('SELECT id FROM zerodown.migrations WHERE version = $1', [
        version,
      ]);
      expect(applied.rowCount).toBe(1);
      await handlers.releaseLock({ executionId });
    });
  }

  it('backfill: the batch is undone, the chunk fails with the error, the lease stays, and the retry finishes every row', async () => {
    await db.client.query(`
      CREATE TABLE term_backfill_hold ();
      CREATE TABLE term_items (id bigint PRIMARY KEY, name text NOT NULL, label text);
      INSERT INTO term_items (id, name) SELECT g, 'item ' || g FROM generate_series(1, 2000) g;
      CREATE FUNCTION term_label(name text, id bigint) RETURNS text LANGUAGE plpgsql AS $$
      BEGIN
        IF id = 1000 AND to_regclass('term_backfill_hold') IS NOT NULL THEN PERFORM pg_sleep(60); END IF;
        RETURN upper(name);
      END $$;`);
    const dir = await migrationsDir({
      '3_label.backfill.json': JSON.stringify({
        table: 'term_items',
        set: { label: 'term_label(name, id)' },
        where: 'label IS NULL',
        key: 'id',
        sync: true,
        partitions: 1,
        batchSize: 300,
        maxBatchSize: 300,
      }),
    });
    const { handlers } = localHandlers(db.url, dir);
    const executionId = 'term-backfill';
    const plan = (await handlers.plan({
      input: { release: executionId, phases: ['backfill'] },
      executionId,
    })) as PlanResult;
    await handlers.acquireLock({ executionId, release: executionId });
    const { jobs } = (await handlers.prepareBackfill({ plan })) as { jobs: unknown[] };
    expect(jobs).toHaveLength(1);
    const failure = failureOf(handlers.backfillChunk({ job: jobs[0], executionId }));
    await terminateWhenRunning('zerodown-%', 'term_label(');
    const error = await failure;
    expect(error.name).toBe('DatabaseUnavailable');
    expect(error.message).toMatch(/terminat|connection/i);
    // the batch that was running is undone as a whole; those before it stay, with their cursor
    const mid = await db.client.query(
      'SELECT count(label)::int AS labelled, (SELECT rows_done::int FROM zerodown.backfills) AS saved FROM term_items',
    );
    expect(mid.rows[0].labelled).toBe(mid.rows[0].saved);
    expect(mid.rows[0].labelled).toBeLessThan(2000);
    const lease = await db.client.query('SELECT owner FROM zerodown.lock WHERE id = 1');
    expect(lease.rows[0].owner).toBe(executionId);
    // the application's writes go on meanwhile: the sync trigger was left working
    await db.client.query("INSERT INTO term_items (id, name) VALUES (5000, 'new one')");
    // the retry (the state machine's) resumes from the saved cursor and finishes
    await db.client.query('DROP TABLE term_backfill_hold');
    // biome-ignore lint/suspicious/noExplicitAny: chunk results are JSON
    let result: any = { job: jobs[0], executionId };
    do result = await handlers.backfillChunk(result);
    while (!result.done);
    await handlers.finishBackfills({ plan, results: [result] });
    const rows = await db.client.query(
      'SELECT count(*)::int AS n, count(*) FILTER (WHERE label = upper(name))::int AS right FROM term_items',
    );
    expect(rows.rows[0]).toEqual({ n: 2001, right: 2001 });
    await handlers.releaseLock({ executionId });
  });

  it('rollback: the undo is undone as a whole, the migration stays recorded, and the retry finishes it', async () => {
    await db.client.query(`
      CREATE TABLE term_rollback_hold ();
      CREATE TABLE term_rb (id bigint PRIMARY KEY);
      INSERT INTO term_rb SELECT g FROM generate_series(1, 100) g;`);
    const dir = await migrationsDir({
      '4_rb.sql': `-- migrate:up\nALTER TABLE term_rb ADD COLUMN a text;\nALTER TABLE term_rb ADD COLUMN b text;\n-- migrate:down\nALTER TABLE term_rb DROP COLUMN b;\n${waitWhileHeld('term_rollback')};\nALTER TABLE term_rb DROP COLUMN a;\n`,
    });
    const { handlers } = localHandlers(db.url, dir);
    const executionId = 'term-rollback';
    const plan = (await handlers.plan({
      input: { release: executionId, phases: ['expand'] },
      executionId,
    })) as PlanResult;
    await handlers.acquireLock({ executionId, release: executionId });
    await handlers.expand({ plan });
    const failure = failureOf(
      handlers.rollback({ plan, failure: { Error: 'GateRejected', Cause: 'rejected' } }),
    );
    await terminateWhenRunning('zerodown-%', 'term_rollback_wait');
    const error = await failure;
    expect(error.name).toBe('DatabaseUnavailable');
    expect(error.message).toMatch(/terminat|connection/i);
    // nothing of the down section stayed: both columns are there, the migration is still recorded
    const columns = async () =>
      (
        await db.client.query(
          "SELECT column_name FROM information_schema.columns WHERE table_name = 'term_rb' ORDER BY 1",
        )
      ).rows.map((r) => r.column_name);
    expect(await columns()).toEqual(['a', 'b', 'id']);
    const recorded = await db.client.query(
      "SELECT 1 FROM zerodown.migrations WHERE version = '4' AND rolled_back_at IS NULL",
    );
    expect(recorded.rowCount).toBe(1);
    const lease = await db.client.query('SELECT owner FROM zerodown.lock WHERE id = 1');
    expect(lease.rows[0].owner).toBe(executionId);
    // the retry rolls it back completely
    await db.client.query('DROP TABLE term_rollback_hold');
    await handlers.rollback({ plan, failure: { Error: 'GateRejected', Cause: 'rejected' } });
    expect(await columns()).toEqual(['id']);
    const gone = await db.client.query(
      "SELECT 1 FROM zerodown.migrations WHERE version = '4' AND rolled_back_at IS NULL",
    );
    expect(gone.rowCount).toBe(0);
    const rows = await db.client.query('SELECT count(*)::int AS n FROM term_rb');
    expect(rows.rows[0].n).toBe(100);
    await handlers.releaseLock({ executionId });
  });
});
