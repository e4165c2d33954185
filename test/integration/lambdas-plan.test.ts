import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { decideGate } from '../../core/gates/gates.ts';
import type { PlanResult } from '../../lambdas/events.ts';
import { useFreshDatabase } from '../support/database.ts';
import { migrationsDir } from '../support/migrations-dir.ts';
import { failureOf, localHandlers, seedExampleTables } from './lambdas.support.ts';

// The Plan task on real PostgreSQL: input validation, drift, lint, dry run, and which contract
// migrations a contract-only execution (the schedule) may apply.
const db = useFreshDatabase();
const examples = resolve('migrations');

async function plan(dir: string, input: unknown, executionId = 'plan-execution'): Promise<PlanResult> {
  return (await localHandlers(db.url, dir).handlers.plan({ input, executionId })) as PlanResult;
}

async function runRelease(release: string, phases: string[]): Promise<void> {
  const { handlers } = localHandlers(db.url, examples);
  const executionId = `execution-${release}`;
  const planned = (await handlers.plan({ input: { release, phases }, executionId })) as PlanResult;
  await handlers.acquireLock({ executionId, release });
  await handlers.expand({ plan: planned });
  const { jobs } = (await handlers.prepareBackfill({ plan: planned })) as { jobs: unknown[] };
  const results = [];
  for (const job of jobs) {
    // biome-ignore lint/suspicious/noExplicitAny: chunk results are JSON
    let result: any = { job, executionId };
    do result = await handlers.backfillChunk(result);
    while (!result.done);
    results.push(result);
  }
  await handlers.finishBackfills({ plan: planned, results });
  await handlers.releaseLock({ executionId });
}

beforeEach(async () => {
  await seedExampleTables(db.client, 1_000);
});

describe('the Plan task', () => {
  it('refuses an invalid input, naming each field and showing the expected shape', async () => {
    const error = await failureOf(
      plan(examples, { release: 'v 1', phases: ['expand', 'cleanup'], gate: { afterExpand: true } }),
    );
    expect(error.name).toBe('InvalidInput');
    expect(error.message).toContain('release: release may contain letters');
    expect(error.message).toContain('phases.1: Invalid option');
    expect(error.message).toContain('Unrecognized key: "gate"');
    expect(error.message).toContain('"onGateReject": "keep"|"rollback"');
  });

  it('refuses an expand older than the newest applied one, naming it, unless outOfOrder is given', async () => {
    const table = (name: string) => `CREATE TABLE ${name} (id bigint);`;
    const first = await migrationsDir({ '1_a.sql': table('ooo_a'), '3_c.sql': table('ooo_c') });
    const { handlers } = localHandlers(db.url, first);
    const planned = (await handlers.plan({ input: { release: 'v1' }, executionId: 'ooo-1' })) as PlanResult;
    await handlers.acquireLock({ executionId: 'ooo-1', release: 'v1' });
    await handlers.expand({ plan: planned });
    await handlers.releaseLock({ executionId: 'ooo-1' });
    const late = await migrationsDir({
      '1_a.sql': table('ooo_a'),
      '2_b.sql': table('ooo_b'),
      '3_c.sql': table('ooo_c'),
    });
    const error = await failureOf(plan(late, { release: 'v2' }, 'ooo-2'));
    expect(error.name).toBe('MigrationLoadError');
    expect(error.message).toMatch(/2_b\.sql: is older than .*3_c\.sql, which is applied.*"outOfOrder": true/);
    const allowed = await plan(late, { release: 'v2', outOfOrder: true }, 'ooo-3');
    expect(allowed.expand).toEqual(['2.expand']);
  });

  it('plans a dry run without writing anything, not even the state schema', async () => {
    const result = await plan(examples, { release: 'v1', dryRun: true });
    expect(result).toMatchObject({ dryRun: true, run: { expand: true, backfill: true, contract: true } });
    const schema = await db.client.query("SELECT to_regclass('zerodown.migrations') AS t");
    expect(schema.rows[0].t).toBeNull();
  });

  it('blocks lint errors with LintFailed unless the input gives the reason, which the plan carries', async () => {
    const dir = await migrationsDir({
      '1_users_name_index.sql': 'CREATE INDEX users_name ON users (username);\n',
    });
    const error = await failureOf(plan(dir, { release: 'v1' }));
    expect(error.name).toBe('LintFailed');
    expect(error.message).toContain('1_users_name_index.sql:1');
    const overridden = await plan(dir, { release: 'v1', allowLintErrors: 'table has 10 rows' });
    expect(overridden.lintOverride).toMatch(/^table has 10 rows \[overrode: .*1_users_name_index\.sql:1/);
  });

  it('refuses drift with DriftDetected naming the file', async () => {
    const dir = await migrationsDir({
      '1_add.sql':
        '-- migrate:up\nALTER TABLE users ADD COLUMN a text;\n-- migrate:down\nALTER TABLE users DROP COLUMN a;\n',
    });
    const { handlers } = localHandlers(db.url, dir);
    const planned = (await handlers.plan({ input: { release: 'v1' }, executionId: 'e1' })) as PlanResult;
    await handlers.acquireLock({ executionId: 'e1', release: 'v1' });
    await handlers.expand({ plan: planned });
    await handlers.releaseLock({ executionId: 'e1' });
    await writeFile(join(dir, '1_add.sql'), '-- migrate:up\nALTER TABLE users ADD COLUMN b text;\n');
    const error = await failureOf(plan(dir, { release: 'v2' }));
    expect(error.name).toBe('DriftDetected');
    expect(error.message).toContain('1_add.sql');
  });

  it('skips a gate with nothing to guard', async () => {
    const dir = await migrationsDir({ '1_add.sql': 'ALTER TABLE users ADD COLUMN a text;\n' });
    const result = await plan(dir, { release: 'v1', gates: { afterExpand: true, beforeContract: true } });
    expect(result.gates).toEqual({ afterExpand: true, beforeContract: false });
  });
});

describe('a contract-only execution', () => {
  it('applies only the contracts of releases whose beforeContract gate was approved, or named ones', async () => {
    // GIVEN release v1 ran expand and backfill and waits for its beforeContract gate
    await runRelease('v1', ['expand', 'backfill']);
    const contractOnly = {
      release: 'scheduled-contract',
      phases: ['contract'],
      gates: { beforeContract: false },
    };
    // WHEN the schedule plans before the gate is decided THEN every contract is held back, with the reason
    const early = await plan(examples, contractOnly, 'schedule-1');
    expect(early).toMatchObject({ contractOnly: true, contract: [], run: { contract: false } });
    expect(early.heldBack).toHaveLength(8);
    expect(early.heldBack[0]!.reason).toContain(
      'no release that ships it has passed its beforeContract gate',
    );
    // WHEN a person names one THEN that one runs
    const named = await plan(examples, { ...contractOnly, contract: ['20260101000200'] }, 'schedule-2');
    expect(named.contract).toEqual(['20260101000200.contract']);
    const unknown = await failureOf(plan(examples, { ...contractOnly, contract: ['20990101'] }));
    expect(unknown.name).toBe('InvalidInput');
    expect(unknown.message).toContain('"20990101" names no pending contract migration');
    // WHEN v1's gate is approved THEN the next scheduled execution applies v1's contracts
    await db.client.query(
      "INSERT INTO zerodown.gates (release, gate, execution_id, task_token) VALUES ('v1', 'beforeContract', 'execution-v1', 'local:t')",
    );
    await decideGate(db.client, {
      release: 'v1',
      gate: 'beforeContract',
      decision: 'approved',
      decidedBy: 'ci',
    });
    const released = await plan(examples, contractOnly, 'schedule-3');
    expect(released.contract).toHaveLength(8);
    expect(released.heldBack).toEqual([]);
    expect(released.gates.beforeContract).toBe(false);
  });

  it('holds back a contract whose backfill has not finished', async () => {
    const dir = await migrationsDir({
      '1_add.sql':
        '-- migrate:up\nALTER TABLE users ADD COLUMN a text;\n-- migrate:down\nALTER TABLE users DROP COLUMN a;\n',
      '1_add.backfill.json': '{ "table": "users", "set": { "a": "username" } }',
      '2_drop.contract.sql': 'ALTER TABLE users DROP COLUMN username;\n',
    });
    const result = await plan(dir, { release: 'v1', phases: ['contract'], contract: ['2'] });
    expect(result.contract).toEqual([]);
    expect(result.heldBack.map((h) => h.id)).toEqual(['2.contract']);
    expect(result.heldBack[0]!.reason).toMatch(/1_add\.backfill\.json has not finished$/);
  });
});
