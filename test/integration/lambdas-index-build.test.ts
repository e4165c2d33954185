import type pg from 'pg';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { abandonLocalBuilds } from '../../core/detached/session.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { expandPlan, failureOf, localHandlers } from './lambdas.support.ts';

// The design for CREATE INDEX CONCURRENTLY that outlives a task: the build runs on its own session,
// Expand returns `done: false` when its budget is spent, and the next call finds the build running,
// finished, or gone. A transaction holding an old snapshot keeps a real build waiting (its last phase
// waits for such transactions), so a build outlasts the task without a huge table.
const db = useFreshDatabase();
const EXECUTION = 'index-build-execution';
// biome-ignore lint/suspicious/noExplicitAny: task results are JSON
type Json = any;

const planFor = (expand: string[]) => expandPlan(EXECUTION, expand);

/** A session whose open snapshot makes CREATE INDEX CONCURRENTLY wait in its last phase. */
async function holdOldSnapshot(): Promise<pg.Client> {
  const client = await db.connect();
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
  await client.query('SELECT count(*) FROM big');
  return client;
}

async function indexState(name: string): Promise<string> {
  const { rows } = await db.client.query(
    'SELECT CASE WHEN i.indisvalid THEN $$valid$$ ELSE $$invalid$$ END AS state FROM pg_class c JOIN pg_index i ON i.indexrelid = c.oid WHERE c.relname = $1',
    [name],
  );
  return rows[0]?.state ?? 'missing';
}

async function buildSessions(): Promise<{ pid: number; state: string }[]> {
  const { rows } = await db.client.query(
    "SELECT pid, state FROM pg_stat_activity WHERE application_name LIKE 'zerodown-build:%' AND datname = current_database()",
  );
  return rows;
}

let dir: string;
let handlers: ReturnType<typeof localHandlers>['handlers'];

beforeAll(async () => {
  await db.client.query(`
    CREATE TABLE big (id int PRIMARY KEY, v int NOT NULL, w int NOT NULL DEFAULT 1);
    INSERT INTO big (id, v) SELECT g, g FROM generate_series(1, 20000) g;`);
  dir = await migrationsDir({
    '1_big_v.sql': [
      '-- migrate:up transaction:false',
      'CREATE INDEX CONCURRENTLY big_v ON big (v);',
      "COMMENT ON INDEX big_v IS 'built by zerodown';",
      '-- migrate:down transaction:false',
      'DROP INDEX CONCURRENTLY IF EXISTS big_v;',
    ].join('\n'),
    '2_big_w.sql':
      '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY big_w ON big (w);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS big_w;\n',
    '3_big_w_unique.sql':
      '-- migrate:up transaction:false\nCREATE UNIQUE INDEX CONCURRENTLY big_w_key ON big (w);\n-- migrate:down transaction:false\nDROP INDEX CONCURRENTLY IF EXISTS big_w_key;\n',
  });
  handlers = localHandlers(db.url, dir, { chunkBudgetMs: 1_500 }).handlers;
  await handlers.acquireLock({ executionId: EXECUTION, release: 'r1' });
});

afterEach(() => abandonLocalBuilds({ disconnect: true }));

describe('a CREATE INDEX CONCURRENTLY that outlives its task', () => {
  it('is left building when the task returns, survives its client going away, and is found finished', async () => {
    // GIVEN a transaction that keeps the build waiting
    const blocker = await holdOldSnapshot();
    try {
      // WHEN Expand runs with a 1.5 s budget
      const first = (await handlers.expand({ plan: planFor(['1.expand']) })) as Json;
      // THEN it returns not done, with the build's progress
      expect(first.done).toBe(false);
      expect(first.building).toMatchObject({ migration: '1.expand', name: 'big_v', table: 'big' });
      expect(first.building.phase).toMatch(/waiting for old snapshots/);
      expect(await indexState('big_v')).toBe('invalid');
      // AND the Lambda environment that started it disappears without a goodbye
      abandonLocalBuilds({ disconnect: true });
      // THEN the server goes on building
      expect(await buildSessions()).toEqual([expect.objectContaining({ state: 'active' })]);
      const again = (await handlers.expand({ plan: planFor(['1.expand']) })) as Json;
      expect(again.done).toBe(false);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    // WHEN the old transaction ends and the workflow calls Expand again
    const last = (await handlers.expand({ plan: planFor(['1.expand']) })) as Json;
    // THEN the build was not started twice, the next statement ran, and the migration is recorded
    expect(last).toEqual({ done: true, applied: ['1.expand'], building: null });
    expect(await indexState('big_v')).toBe('valid');
    const comment = await db.client.query("SELECT obj_description('big_v'::regclass) AS comment");
    expect(comment.rows[0].comment).toBe('built by zerodown');
    const started = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.events WHERE event = 'index_build_started' AND version = '1'",
    );
    expect(started.rows[0].n).toBe(1);
    const partial = await db.client.query('SELECT count(*)::int AS n FROM zerodown.partial');
    expect(partial.rows[0].n).toBe(0);
  });

  it('is started again, after dropping the INVALID index, when its session is terminated', async () => {
    const blocker = await holdOldSnapshot();
    try {
      const first = (await handlers.expand({ plan: planFor(['1.expand', '2.expand']) })) as Json;
      expect(first).toMatchObject({ done: false, applied: [], building: { name: 'big_w' } });
      const [session] = await buildSessions();
      await db.client.query('SELECT pg_terminate_backend($1)', [session!.pid]);
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    const last = (await handlers.expand({ plan: planFor(['1.expand', '2.expand']) })) as Json;
    expect(last).toEqual({ done: true, applied: ['2.expand'], building: null });
    expect(await indexState('big_w')).toBe('valid');
    const attempts = await db.client.query(
      "SELECT detail FROM zerodown.events WHERE event = 'index_build_started' AND version = '2' ORDER BY id",
    );
    expect(attempts.rows.map((r) => r.detail)).toEqual([
      'statement 1 (line 2): index big_w on big, attempt 1',
      'statement 1 (line 2): index big_w on big, attempt 2',
    ]);
  });

  it('fails the migration, naming the file and line, when the build itself fails; no INVALID index is left', async () => {
    // every row has w = 1: the unique index cannot be built
    const error = await failureOf(handlers.expand({ plan: planFor(['1.expand', '2.expand', '3.expand']) }));
    expect(error.name).toBe('MigrationFailed');
    expect(error.message).toMatch(/3_big_w_unique\.sql:2: could not create unique index "big_w_key"/);
    expect(error.message).toContain('SQLSTATE 23505');
    expect(await indexState('big_w_key')).toBe('missing');
  });
});
