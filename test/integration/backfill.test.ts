import { describe, expect, it } from 'vitest';
import type { BatchSizer } from '../../core/backfill/index.ts';
import {
  type BatchResult,
  finishBackfill,
  prepareBackfill,
  readPartitions,
  runBackfillChunk,
  runBackfillToCompletion,
} from '../../core/backfill/index.ts';
import { measureServerLoad } from '../../core/backfill/throttle.ts';
import { backfillFile, createUsersTable, rowStats } from '../support/backfill-fixtures.ts';
import { useFreshDatabase } from '../support/database.ts';
import { recordingLog } from '../support/recording-log.ts';

const db = useFreshDatabase();
const ROWS = 200_000;

describe('backfill engine', () => {
  it('backfills every row exactly once with the right value, and records the backfill as applied', async () => {
    // GIVEN 200,000 rows and a backfill of a computed value
    await createUsersTable(db.client, 'once_users', ROWS);
    const migration = await backfillFile('1_once.backfill.json', {
      table: 'once_users',
      set: { display_name: "upper(username) || '#' || id" },
      targetBatchMs: 20,
    });
    const batches: BatchResult[] = [];
    // WHEN it runs to completion
    const progress = await runBackfillToCompletion(db.client, migration, {
      executionId: 'test-once',
      log: recordingLog(),
      onBatch: (b) => batches.push(b),
    });
    // THEN every row has its value, written once; counters and the applied record agree
    expect(await rowStats(db.client, 'once_users', "upper(username) || '#' || id")).toEqual({
      total: ROWS,
      right: ROWS,
      once: ROWS,
    });
    expect(progress).toMatchObject({ done: true, rowsDone: ROWS, rowsEstimated: ROWS, etaSeconds: 0 });
    expect(batches.reduce((sum, b) => sum + b.updated, 0)).toBe(ROWS);
    // adaptive sizing moved away from the first batch of 1000 rows
    expect(new Set(batches.map((b) => b.size)).size).toBeGreaterThan(3);
    const applied = await db.client.query(
      "SELECT execution_id FROM zerodown.migrations WHERE version = '1' AND phase = 'backfill'",
    );
    expect(applied.rows).toEqual([{ execution_id: 'test-once' }]);
    const [state] = await readPartitions(db.client, '1');
    expect(state).toMatchObject({
      status: 'done',
      rowsDone: ROWS,
      rowsUpdated: ROWS,
      cursor: [String(ROWS + ROWS / 2)],
    });
    expect(await finishBackfill(db.client, migration, { executionId: 'again', log: recordingLog() })).toBe(
      true,
    );
  });

  it('keeps every batch an index range scan on the key, at every batch size', async () => {
    await createUsersTable(db.client, 'plan_users', ROWS);
    const migration = await backfillFile('2_plan.backfill.json', {
      table: 'plan_users',
      set: { display_name: 'username' },
    });
    await db.client.query('VACUUM ANALYZE plan_users');
    for (const size of [100, 1000, 10_000, 50_000, 100_000]) {
      // the batch's key range, as the probe bounds it: (cursor, key of the size-th row after it]
      const bound = await db.client.query(
        'SELECT max(id)::text AS last FROM (SELECT id FROM plan_users WHERE id > $1 ORDER BY id LIMIT $2) s',
        ['1000', size],
      );
      const plan = await db.client.query(
        `EXPLAIN (FORMAT JSON) UPDATE plan_users SET display_name = (username)
          WHERE id > $1 AND id <= $2 AND (display_name IS NULL)`,
        ['1000', bound.rows[0].last],
      );
      const text = JSON.stringify(plan.rows[0]['QUERY PLAN']);
      expect(text, `batch of ${size}`).toMatch(/"Node Type":"(Index Scan|Bitmap Index Scan)"/);
      expect(text, `batch of ${size}`).toContain('"Index Name":"plan_users_pkey"');
      expect(text, `batch of ${size}`).not.toContain('Seq Scan');
    }
    // the contrast: a LIMIT batch joined back (pgroll's template) reads the whole table once it is large
    const joined = await db.client.query(
      `EXPLAIN (FORMAT JSON) WITH batch AS (SELECT id FROM plan_users WHERE id > 1000 AND display_name IS NULL
                                            ORDER BY id LIMIT 100000 FOR NO KEY UPDATE)
       UPDATE plan_users SET display_name = username FROM batch WHERE plan_users.id = batch.id`,
    );
    expect(JSON.stringify(joined.rows[0]['QUERY PLAN'])).toContain('"Node Type":"Seq Scan"');
    expect(migration.spec.table).toBe('plan_users');
  });

  it('splits the key range into partitions that cover it exactly once, exact and sampled', async () => {
    await createUsersTable(db.client, 'part_users', ROWS);
    for (const [version, exactRowsLimit] of [
      ['30', 1_000_000],
      ['31', 0],
    ] as const) {
      const migration = await backfillFile(`${version}_parts.backfill.json`, {
        table: 'part_users',
        set: { display_name: 'username' },
      });
      const jobs = await prepareBackfill(db.client, migration, {
        partitions: 4,
        executionId: 'test-parts',
        log: recordingLog(),
        exactRowsLimit,
      });
      expect(jobs.map((j) => j.partition)).toEqual([0, 1, 2, 3]);
      const parts = await readPartitions(db.client, version);
      expect(parts[0]!.startKey).toBeNull();
      for (let i = 1; i < parts.length; i++) expect(parts[i]!.startKey).toEqual(parts[i - 1]!.endKey);
      expect(parts[3]!.endKey).toEqual([String(ROWS + ROWS / 2)]);
      let covered = 0;
      for (const p of parts) {
        const { rows } = await db.client.query(
          'SELECT count(*)::int AS n FROM part_users WHERE ($1::bigint IS NULL OR id > $1::bigint) AND id <= $2::bigint',
          [p.startKey?.[0] ?? null, p.endKey![0]],
        );
        covered += rows[0].n;
        // quantile boundaries: each partition holds about a quarter
        expect(rows[0].n).toBeGreaterThan(ROWS / 8);
        expect(p.rowsEstimated).toBeGreaterThan(ROWS / 8);
      }
      expect(covered).toBe(ROWS);
    }
    // a second prepare (a resume) returns the same jobs and keeps the plan
    const again = await prepareBackfill(
      db.client,
      await backfillFile('30_parts.backfill.json', {
        table: 'part_users',
        set: { display_name: 'username' },
      }),
      { partitions: 2, executionId: 'other', log: recordingLog() },
    );
    expect(again).toHaveLength(4);
  });

  it('runs partitions side by side, each row once', async () => {
    await createUsersTable(db.client, 'side_users', ROWS);
    const migration = await backfillFile('4_side.backfill.json', {
      table: 'side_users',
      set: { display_name: "username || '!'" },
      partitions: 3,
      targetBatchMs: 20,
    });
    const seen = new Set<number>();
    await runBackfillToCompletion(db.client, migration, {
      executionId: 'test-side',
      log: recordingLog(),
      connect: db.connect,
      onProgress: (p) => seen.add(p.partition),
    });
    expect([...seen].sort()).toEqual([0, 1, 2]);
    expect(await rowStats(db.client, 'side_users', "username || '!'")).toEqual({
      total: ROWS,
      right: ROWS,
      once: ROWS,
    });
  });

  it('returns after its time budget with the cursor saved, and the next call goes on from there', async () => {
    await createUsersTable(db.client, 'budget_users', 10_000);
    const migration = await backfillFile('5_budget.backfill.json', {
      table: 'budget_users',
      set: { display_name: 'username' },
      batchSize: 1000,
    });
    const options = { executionId: 'test-budget', log: recordingLog() };
    const [job] = await prepareBackfill(db.client, migration, options);
    // a budget too short for a second batch: exactly one batch per call
    const first = await runBackfillChunk(db.client, migration, job!, { ...options, budgetMs: 1 });
    expect(first).toMatchObject({ done: false, rowsDone: 1000, rowsEstimated: 10_000 });
    const saved = (await readPartitions(db.client, '5'))[0]!;
    expect(saved.cursor).toEqual(first.cursor);
    expect(saved.rowsDone).toBe(1000);
    const second = await runBackfillChunk(db.client, migration, job!, { ...options, budgetMs: 1 });
    expect(second.rowsDone).toBeGreaterThan(1000);
    expect(Number((second.cursor as string[])[0])).toBeGreaterThan(Number((first.cursor as string[])[0]));
    expect(await finishBackfill(db.client, migration, options)).toBe(false);
    // a second worker on the same partition (a retried Map item still running) is refused
    const other = await db.connect();
    try {
      await other.query('SELECT pg_advisory_lock(hashtext($1))', ['zerodown.backfill-partition:5/0']);
      await expect(runBackfillChunk(db.client, migration, job!, { ...options, budgetMs: 1 })).rejects.toThrow(
        /partition 0 of its backfill is being run by another worker/,
      );
    } finally {
      await other.end();
    }
    let last = second;
    while (!last.done)
      last = await runBackfillChunk(db.client, migration, job!, { ...options, budgetMs: 60_000 });
    expect(last.rowsDone).toBe(10_000);
    expect(await finishBackfill(db.client, migration, options)).toBe(true);
    expect(await rowStats(db.client, 'budget_users', 'username')).toEqual({
      total: 10_000,
      right: 10_000,
      once: 10_000,
    });
  });

  it('settles near its target batch time, and carries its sizing from one call to the next', async () => {
    await createUsersTable(db.client, 'settle_users', ROWS);
    const targetBatchMs = 20;
    const migration = await backfillFile('9_settle.backfill.json', {
      table: 'settle_users',
      set: { display_name: 'username' },
      targetBatchMs,
    });
    const options = { executionId: 'test-settle', log: recordingLog() };
    const [job] = await prepareBackfill(db.client, migration, options);
    const batches: BatchResult[] = [];
    const carry: { sizer?: BatchSizer } = {};
    let progress = await runBackfillChunk(db.client, migration, job!, {
      ...options,
      budgetMs: 400,
      carry,
      onBatch: (b) => batches.push(b),
    });
    // the next call goes on with the same sizer, and so with the size it chose last
    const sizer = carry.sizer!;
    const chosen = sizer.size;
    const before = batches.length;
    while (!progress.done) {
      progress = await runBackfillChunk(db.client, migration, job!, {
        ...options,
        budgetMs: 400,
        carry,
        onBatch: (b) => batches.push(b),
      });
      expect(carry.sizer).toBe(sizer);
    }
    expect(batches[before]?.size).toBe(chosen);
    // from the first batch of 1000 rows, the size moved until batches took about the target: it aims the
    // slowest recent batch at the target, so the typical one takes somewhat less (on a loaded machine,
    // where the slowest is slower, less again: the bounds leave room for that)
    const settled = batches.slice(8, -1).map((b) => b.durationMs);
    expect(settled.length).toBeGreaterThan(5);
    const median = [...settled].sort((a, b) => a - b)[Math.floor(settled.length / 2)]!;
    expect(median).toBeGreaterThan(0.25 * targetBatchMs);
    expect(median).toBeLessThan(1.5 * targetBatchMs);
    expect(batches.some((b) => b.size !== 1000)).toBe(true);
    expect(await rowStats(db.client, 'settle_users', 'username')).toEqual({
      total: ROWS,
      right: ROWS,
      once: ROWS,
    });
  });

  it('backs off and retries a batch that hits lock_timeout, with a smaller batch', async () => {
    await createUsersTable(db.client, 'locked_users', 5000);
    const migration = await backfillFile('6_locked.backfill.json', {
      table: 'locked_users',
      set: { display_name: 'username' },
    });
    const log = recordingLog();
    const [job] = await prepareBackfill(db.client, migration, { executionId: 'test-lock', log });
    const holder = await db.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM locked_users WHERE id = 3 FOR UPDATE');
      const running = runBackfillChunk(db.client, migration, job!, {
        executionId: 'test-lock',
        log,
        budgetMs: 60_000,
        lockTimeoutMs: 50,
        retry: { baseDelayMs: 20, maxDelayMs: 100, maxAttempts: 1000 },
      });
      while (!log.lines.some((l) => l.includes('lock_timeout on attempt 2'))) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await holder.query('COMMIT');
      const progress = await running;
      expect(progress.done).toBe(true);
      const sizes = log.lines.filter((l) => l.includes('lock_timeout on attempt'));
      expect(sizes.length).toBeGreaterThanOrEqual(2);
    } finally {
      await holder.end();
    }
    expect(await rowStats(db.client, 'locked_users', 'username')).toMatchObject({
      total: 5000,
      right: 5000,
      once: 5000,
    });
  });

  it('pauses while the server has more active connections than the throttle allows', async () => {
    await createUsersTable(db.client, 'busy_users', 5000);
    const migration = await backfillFile('7_busy.backfill.json', {
      table: 'busy_users',
      set: { display_name: 'username' },
      throttle: { maxActiveConnections: 1 },
    });
    const log = recordingLog();
    const [job] = await prepareBackfill(db.client, migration, { executionId: 'test-busy', log });
    // two sessions of this file's own, each running a statement; only they are waited on and cancelled
    const sleepers = await Promise.all([db.connect(), db.connect()]);
    const pids = await Promise.all(
      sleepers.map(async (c) => (await c.query('SELECT pg_backend_pid() AS pid')).rows[0].pid as number),
    );
    const sleeping = sleepers.map((c) => c.query('SELECT pg_sleep(30)').catch(() => undefined));
    try {
      await expect
        .poll(
          async () =>
            (
              await db.client.query(
                `SELECT count(*)::int AS n FROM pg_stat_activity
                  WHERE datname = current_database() AND pid = ANY($1) AND state = 'active' AND wait_event = 'PgSleep'`,
                [pids],
              )
            ).rows[0].n,
          { interval: 10, timeout: 20_000 },
        )
        .toBe(2);
      const paused = await runBackfillChunk(db.client, migration, job!, {
        executionId: 'test-busy',
        log,
        budgetMs: 300,
      });
      expect(paused).toMatchObject({ done: false, rowsDone: 0 });
      // (other test files share the server, so there may be more than our two)
      expect(log.lines.some((l) => /^backfill paused: \d+ active connections are above 1$/.test(l))).toBe(
        true,
      );
    } finally {
      await db.client.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
      await Promise.all(sleeping);
      await Promise.all(sleepers.map((c) => c.end()));
    }
    // under a bound the shared test server stays below, the same partition runs on from where it paused
    const resumed = await runBackfillChunk(db.client, migration, job!, {
      executionId: 'test-busy',
      log,
      budgetMs: 60_000,
      throttle: { maxActiveConnections: 1000 },
    });
    expect(resumed).toMatchObject({ done: true, rowsDone: 5000 });
    // replication lag reads pg_stat_replication: this server has no replicas, so no lag
    expect(await measureServerLoad(db.client, { maxReplicationLagMs: 1 })).toMatchObject({
      replicationLagMs: 0,
    });
  });

  it('ends under a constant insert stream: rows after the largest key at the start are left to sync or the new app', async () => {
    await createUsersTable(db.client, 'stream_users', ROWS);
    const migration = await backfillFile('8_stream.backfill.json', {
      table: 'stream_users',
      set: { display_name: 'username' },
      targetBatchMs: 20,
    });
    // the range ends at the largest key when the backfill is prepared; the stream starts after that
    await prepareBackfill(db.client, migration, { executionId: 'test-stream', log: recordingLog() });
    const writer = await db.connect();
    let writing = true;
    let inserted = 0;
    const stream = (async () => {
      while (writing) {
        await writer.query(
          "INSERT INTO stream_users (id, username) SELECT 1000000 + $1 + g, 'late' FROM generate_series(1, 50) g",
          [inserted],
        );
        inserted += 50;
      }
    })();
    try {
      const progress = await runBackfillToCompletion(db.client, migration, {
        executionId: 'test-stream',
        log: recordingLog(),
      });
      expect(progress).toMatchObject({ done: true, rowsDone: ROWS });
    } finally {
      writing = false;
      await stream;
      await writer.end();
    }
    expect(inserted).toBeGreaterThan(0);
    const { rows } = await db.client.query(
      'SELECT count(*) FILTER (WHERE id < 1000000 AND display_name = username)::int AS old, count(*) FILTER (WHERE id > 1000000 AND display_name IS NULL)::int AS late FROM stream_users',
    );
    expect(rows[0]).toEqual({ old: ROWS, late: inserted });
  });
});
