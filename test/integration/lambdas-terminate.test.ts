import { describe, expect, it } from 'vitest';
import type { PlanResult } from '../../lambdas/events.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { failureOf, localHandlers } from './lambdas.support.ts';

// pg_terminate_backend on a task's own session in the middle of its statement (a failover, an operator,
// idle_session_timeout): the task fails with the database's error, nothing is half applied or lost,
// the lease stays with the execution, and the same task run again (the state machine's retry) finishes.
const db = useFreshDatabase();

/** Terminates the backend of `applicationName` as soon as it runs a query containing `text`. */
async function terminateWhenRunning(applicationName: string, text: string): Promise<void> {
  for (;;) {
    const { rows } = await db.client.query<{ pid: number }>(
      `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1
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
      const task = handlers[phase]({ plan });
      await terminateWhenRunning(`zerodown-${phase}`, `${table}_wait`);
      const error = await failureOf(task);
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
});
