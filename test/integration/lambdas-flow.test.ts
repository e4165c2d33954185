import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { PlanResult } from '../../lambdas/events.ts';
import { useFreshDatabase } from '../support/database.ts';
import { failureOf, localHandlers, seedExampleTables } from './lambdas.support.ts';

// The task handlers called one after the other, as the state machine calls them, against real
// PostgreSQL with the example migrations: every step's effect is read back from the database.
const db = useFreshDatabase();
const migrations = resolve('migrations');
const EXECUTION = 'arn:aws:states:local:000000000000:execution:Machine:flow-1';
// biome-ignore lint/suspicious/noExplicitAny: task results are JSON
type Json = any;

describe('the task handlers, in workflow order', () => {
  let tasks: ReturnType<typeof localHandlers>;
  let handlers: ReturnType<typeof localHandlers>['handlers'];
  let plan: PlanResult;

  beforeAll(async () => {
    await seedExampleTables(db.client, 5_000);
    tasks = localHandlers(db.url, migrations);
    handlers = tasks.handlers;
  });

  it('Plan validates the input and returns ids and flags only', async () => {
    // GIVEN a fresh database WHEN planning release v1 with defaults
    plan = (await handlers.plan({ input: { release: 'v1' }, executionId: EXECUTION })) as PlanResult;
    // THEN every pending migration is planned, the beforeContract gate waits, nothing is applied yet
    expect(plan).toEqual({
      release: 'v1',
      executionId: EXECUTION,
      dryRun: false,
      onGateReject: 'keep',
      ifLocked: 'fail',
      phases: ['expand', 'backfill', 'contract'],
      run: { expand: true, backfill: true, contract: true },
      gates: { afterExpand: false, beforeContract: true },
      expand: ['20260101000100.expand', '20260101001000.expand'],
      backfill: ['20260101000100.backfill', '20260101001000.backfill'],
      contract: [
        '20260101000200.contract',
        '20260101000300.contract',
        '20260101000400.contract',
        '20260101000500.contract',
        '20260101001100.contract',
        '20260101001150.contract',
        '20260101001200.contract',
        '20260101001300.contract',
      ],
      heldBack: [],
      contractOnly: false,
      lintOverride: null,
      versions: null,
    });
    const shipped = await db.client.query(
      'SELECT migration_id FROM zerodown.release_contracts WHERE release = $1',
      ['v1'],
    );
    expect(shipped.rowCount).toBe(8);
  });

  it('AcquireLock takes the lease; another execution is refused with LockHeld naming the holder', async () => {
    await handlers.acquireLock({ executionId: EXECUTION, release: 'v1' });
    const error = await failureOf(handlers.acquireLock({ executionId: 'other-execution', release: 'v2' }));
    expect(error.name).toBe('LockHeld');
    expect(error.message).toContain(`held by ${EXECUTION} (release v1)`);
    // the same execution takes its own lease again (a resumed run)
    await handlers.acquireLock({ executionId: EXECUTION, release: 'v1' });
  });

  it('Expand applies the expand migrations once', async () => {
    expect(await handlers.expand({ plan })).toEqual({
      done: true,
      applied: ['20260101000100.expand', '20260101001000.expand'],
      building: null,
    });
    expect(await handlers.expand({ plan })).toEqual({ done: true, applied: [], building: null });
    const columns = await db.client.query(
      "SELECT column_name FROM information_schema.columns WHERE column_name IN ('display_name', 'id_new') ORDER BY 1",
    );
    expect(columns.rows.map((r) => r.column_name)).toEqual(['display_name', 'id_new']);
  });

  it('PrepareBackfill returns one job per partition; BackfillChunk loops until done; FinishBackfills records them', async () => {
    const { jobs } = (await handlers.prepareBackfill({ plan })) as { jobs: Json[] };
    expect(jobs.map((j) => `${j.migrationId}#${j.partition}/${j.partitions}`)).toEqual([
      '20260101000100.backfill#0/2',
      '20260101000100.backfill#1/2',
      '20260101001000.backfill#0/2',
      '20260101001000.backfill#1/2',
    ]);
    // rows the old application writes meanwhile are kept right by the sync trigger
    await db.client.query("INSERT INTO users (username) VALUES ('written-during-backfill')");
    const results = [];
    for (const job of jobs) {
      let result: Json = { job, executionId: EXECUTION, release: 'v1' };
      let calls = 0;
      do {
        result = await handlers.backfillChunk(result, { getRemainingTimeInMillis: () => 900_000 });
        calls++;
      } while (!result.done && calls < 100);
      expect(result.done).toBe(true);
      expect(Object.keys(result).sort()).toEqual(
        [
          'batchSize',
          'done',
          'etaSeconds',
          'executionId',
          'job',
          'release',
          'rowsDone',
          'rowsEstimated',
          'rowsPerSecond',
        ].sort(),
      );
      results.push(result);
    }
    expect(await handlers.finishBackfills({ plan, results })).toEqual({
      finished: ['20260101000100.backfill', '20260101001000.backfill'],
    });
    const wrong = await db.client.query(
      'SELECT (SELECT count(*) FROM users WHERE display_name IS DISTINCT FROM username) AS users, (SELECT count(*) FROM orders WHERE id_new IS DISTINCT FROM id) AS orders',
    );
    expect(wrong.rows[0]).toEqual({ users: '0', orders: '0' });
  });

  it('the gate records the token and publishes the approve command; the token is never logged', async () => {
    const token = 'AAAAKgAAAAIAAAAAAAAAAf-secret-task-token';
    const before = tasks.lines.length;
    const all = localHandlers(db.url, migrations);
    const result = await all.handlers.gate({
      taskToken: token,
      release: 'v1',
      gate: 'beforeContract',
      executionId: EXECUTION,
      timeoutSeconds: 86_400,
    });
    expect(result).toMatchObject({ release: 'v1', gate: 'beforeContract' });
    const gate = await db.client.query('SELECT task_token, execution_id, decision FROM zerodown.gates');
    expect(gate.rows).toEqual([{ task_token: token, execution_id: EXECUTION, decision: null }]);
    expect(all.notices).toHaveLength(1);
    expect(all.notices[0]!.message).toContain('zerodown gate approve --release v1');
    expect(all.notices[0]!.message).toContain('It times out after 24 h.');
    expect(JSON.stringify([...all.lines, ...tasks.lines.slice(before), all.notices])).not.toContain(token);
    // the lease now outlasts the gate's wait
    const lease = await db.client.query(
      "SELECT expires_at > now() + interval '23 hours' AS long FROM zerodown.lock",
    );
    expect(lease.rows[0].long).toBe(true);
    expect(tasks.notices).toHaveLength(0);
  });

  it('Contract applies the contract migrations, building the index on its own session; ReleaseLock frees the lease', async () => {
    const result = (await handlers.contract({ plan })) as Json;
    expect(result.done).toBe(true);
    expect(result.applied).toHaveLength(8);
    const columns = await db.client.query(
      "SELECT table_name || '.' || column_name AS column, data_type, is_nullable FROM information_schema.columns WHERE table_name IN ('users', 'orders') AND column_name IN ('id', 'id_new', 'display_name', 'username') ORDER BY 1",
    );
    expect(columns.rows).toEqual([
      { column: 'orders.id', data_type: 'bigint', is_nullable: 'NO' },
      { column: 'users.display_name', data_type: 'text', is_nullable: 'NO' },
      { column: 'users.id', data_type: 'bigint', is_nullable: 'NO' },
    ]);
    const events = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.events WHERE event = 'index_build_started'",
    );
    expect(events.rows[0].n).toBe(1);
    expect(await handlers.releaseLock({ executionId: EXECUTION })).toEqual({ released: true });
    expect(await handlers.releaseLock({ executionId: EXECUTION })).toEqual({ released: false });
    const lock = await db.client.query('SELECT owner FROM zerodown.lock');
    expect(lock.rows[0].owner).toBeNull();
  });
});
