import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { detachedStatements } from '../../core/detached/drive.ts';
import { abandonLocalBuilds } from '../../core/detached/session.ts';
import { loadMigrations } from '../../core/migrations/load.ts';
import type { SchemaMigration } from '../../core/migrations/types.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { expandPlan, failureOf, localHandlers } from './lambdas.support.ts';

// ALTER TABLE … VALIDATE CONSTRAINT scans the whole table: on a large one it outlasts a Lambda. Like a
// CREATE INDEX CONCURRENTLY it runs on its own session and the workflow polls; it takes SHARE UPDATE
// EXCLUSIVE, so the application reads and writes while it waits or runs. A transaction holding that
// lock keeps a real validation waiting, so it outlasts the task without a huge table.
const db = useFreshDatabase();
const EXECUTION = 'validate-execution';
// biome-ignore lint/suspicious/noExplicitAny: task results are JSON
type Json = any;
const planFor = (expand: string[]) => expandPlan(EXECUTION, expand);

let dir: string;
let handlers: ReturnType<typeof localHandlers>['handlers'];

async function validated(constraint: string): Promise<boolean | null> {
  const { rows } = await db.client.query('SELECT convalidated FROM pg_constraint WHERE conname = $1', [
    constraint,
  ]);
  return rows[0]?.convalidated ?? null;
}

beforeAll(async () => {
  await db.client.query(`
    CREATE TABLE accounts (id int PRIMARY KEY, balance int NOT NULL);
    INSERT INTO accounts SELECT g, g FROM generate_series(1, 20000) g;
    ALTER TABLE accounts ADD CONSTRAINT accounts_balance_positive CHECK (balance > 0) NOT VALID;
    ALTER TABLE accounts ADD CONSTRAINT accounts_balance_small CHECK (balance < 20000) NOT VALID;`);
  dir = await migrationsDir({
    // alone in its migration: the same as its own transaction
    '1_validate_positive.sql':
      '-- migrate:up\nALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_positive;\n-- migrate:down\n',
    '2_validate_small.sql':
      '-- migrate:up\nALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_small;\n-- migrate:down\n',
    // with another statement in one transaction: it stays in that transaction (the runner's path)
    '3_with_comment.sql': [
      '-- migrate:up',
      "COMMENT ON TABLE accounts IS 'validated';",
      'ALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_positive;',
      '-- migrate:down',
    ].join('\n'),
    '4_outside_transaction.sql': [
      '-- migrate:up transaction:false',
      "COMMENT ON TABLE accounts IS 'validated';",
      'ALTER TABLE accounts VALIDATE CONSTRAINT accounts_balance_positive;',
      '-- migrate:down',
    ].join('\n'),
  });
  handlers = localHandlers(db.url, dir, { chunkBudgetMs: 1_500 }).handlers;
  await handlers.acquireLock({ executionId: EXECUTION, release: 'r1' });
});

afterEach(() => abandonLocalBuilds({ disconnect: true }));

describe('an ALTER TABLE … VALIDATE CONSTRAINT that outlives its task', () => {
  it('runs on its own session alone in its migration or outside a transaction, never out of a transaction', async () => {
    const migrations = (await loadMigrations(dir)) as SchemaMigration[];
    const kinds = migrations.map((m) =>
      [...detachedStatements(m)].map(([statement, t]) => `${statement}:${t.kind}:${t.name}`),
    );
    expect(kinds).toEqual([
      ['0:validate:accounts_balance_positive'],
      ['0:validate:accounts_balance_small'],
      [],
      ['1:validate:accounts_balance_positive'],
    ]);
  });

  it('waits on its own session while the application writes, survives its client going away, and is found validated', async () => {
    // GIVEN a session holding a lock that makes the validation wait (as a long VACUUM would)
    const blocker = await db.connect();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE accounts IN SHARE UPDATE EXCLUSIVE MODE');
    try {
      // WHEN Expand runs with a 1.5 s budget
      const first = (await handlers.expand({ plan: planFor(['1.expand']) })) as Json;
      // THEN it returns not done, saying what it waits for
      expect(first).toMatchObject({
        done: false,
        applied: [],
        building: { kind: 'validate', name: 'accounts_balance_positive', table: 'accounts' },
      });
      // AND the application writes meanwhile: the waiting validation blocks no reads or writes
      const app = await db.connect();
      try {
        await app.query("SET lock_timeout = '1s'");
        await app.query('INSERT INTO accounts VALUES (20001, 5)');
        await app.query('UPDATE accounts SET balance = balance + 1 WHERE id = 1');
      } finally {
        await app.end();
      }
      // AND the Lambda environment that started it disappears without a goodbye
      abandonLocalBuilds({ disconnect: true });
      expect((await handlers.expand({ plan: planFor(['1.expand']) })) as Json).toMatchObject({ done: false });
    } finally {
      await blocker.query('COMMIT');
      await blocker.end();
    }
    // WHEN the lock is gone and the workflow calls Expand again
    let last: Json;
    for (let i = 0; i < 10; i++) {
      last = await handlers.expand({ plan: planFor(['1.expand']) });
      if (last.done) break;
    }
    // THEN the constraint is validated, by one validation, and the migration is recorded
    expect(last).toEqual({ done: true, applied: ['1.expand'], building: null });
    expect(await validated('accounts_balance_positive')).toBe(true);
    const started = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.events WHERE event = 'validation_started' AND version = '1'",
    );
    expect(started.rows[0].n).toBe(1);
    const applied = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.migrations WHERE version = '1'",
    );
    expect(applied.rows[0].n).toBe(1);
  });

  it('fails the migration, naming the file and line, when rows violate the constraint; it stays NOT VALID', async () => {
    // account 20000 has a balance of 20000
    const error = await failureOf(handlers.expand({ plan: planFor(['2.expand']) }));
    expect(error.name).toBe('MigrationFailed');
    expect(error.message).toMatch(
      /2_validate_small\.sql:2: check constraint "accounts_balance_small" of relation "accounts" is violated by some row \(SQLSTATE 23514\); constraint accounts_balance_small stays NOT VALID/,
    );
    expect(await validated('accounts_balance_small')).toBe(false);
    const applied = await db.client.query(
      "SELECT count(*)::int AS n FROM zerodown.migrations WHERE version = '2'",
    );
    expect(applied.rows[0].n).toBe(0);
  });
});
