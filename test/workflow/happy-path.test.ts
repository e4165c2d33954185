import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import {
  leaseOwner,
  runRelease,
  seedExampleTables,
  startRelease,
  useExampleTemplate,
} from './support/scenario.ts';

// The example migrations through the synthesized definition: expand, backfill, the beforeContract gate
// approved from another process with `zerodown gate approve`, contract.
const db = useFreshDatabase();
const example = useExampleTemplate();

describe('happy path', () => {
  it('expands, backfills every row, waits at the gate until approved, contracts, releases the lock', async () => {
    // GIVEN the app's first version with 20,000 users and orders
    await seedExampleTables(db.client, 20_000);
    // WHEN release v1 runs and CI approves its gate from another process
    const running = startRelease(db.url, example.template, { input: { release: 'v1' } });
    expect(await running.waitingAtGate()).toBe('beforeContract');
    const approval = await runCli([
      'gate',
      'approve',
      '--release',
      'v1',
      '--database-url',
      db.url,
      '--by',
      'ci',
    ]);
    expect(approval).toMatchObject({
      code: 0,
      stdout: expect.stringContaining('approved gate beforeContract of release v1'),
    });
    const { result, events, entered } = await running.done;
    // THEN it succeeded through every phase, in order
    expect(result.status).toBe('succeeded');
    const topLevel = entered.filter((name) => !name.includes('['));
    for (const [before, after] of [
      ['Plan', 'AcquireLock'],
      ['AcquireLock', 'Expand'],
      ['Expand', 'PrepareBackfill'],
      ['PrepareBackfill', 'Backfill'],
      ['Backfill', 'FinishBackfills'],
      ['FinishBackfills', 'GateBeforeContract'],
      ['GateBeforeContract', 'Contract'],
      ['Contract', 'ReleaseLock'],
      ['ReleaseLock', 'Succeeded'],
    ]) {
      expect(topLevel.indexOf(before!), `${before} before ${after}`).toBeLessThan(topLevel.indexOf(after!));
    }
    expect(topLevel).not.toContain('Rollback');
    expect(entered.some((name) => name.startsWith('BackfillChunk['))).toBe(true);
    expect(events).toContainEqual(
      expect.objectContaining({
        type: 'gate-waiting',
        gate: 'beforeContract',
        command: expect.stringContaining('zerodown gate approve --release v1'),
      }),
    );
    expect(events).toContainEqual(
      expect.objectContaining({ type: 'gate-decided', decision: 'approved', decidedBy: 'ci' }),
    );
    const progress = events.filter((e) => e.type === 'backfill-progress');
    expect(progress.filter((p) => p.done).length).toBeGreaterThanOrEqual(2);
    // every row is right and the schema is the new version's
    const users = await db.client.query(
      "SELECT count(*)::int AS n, count(*) FILTER (WHERE display_name = 'user' || id)::int AS right FROM users",
    );
    expect(users.rows[0]).toEqual({ n: 20_000, right: 20_000 });
    const columns = await db.client.query(
      `SELECT table_name || '.' || column_name || ' ' || data_type || ' ' || is_nullable AS c FROM information_schema.columns
        WHERE table_schema = 'public' AND column_name IN ('id', 'display_name', 'username', 'id_new') ORDER BY 1`,
    );
    expect(columns.rows.map((r) => r.c)).toEqual([
      'orders.id bigint NO',
      'users.display_name text NO',
      'users.id bigint NO',
    ]);
    const pk = await db.client.query(
      "SELECT pg_get_constraintdef(oid) AS d FROM pg_constraint WHERE conname = 'orders_pkey'",
    );
    expect(pk.rows[0].d).toBe('PRIMARY KEY (id)');
    const orders = await db.client.query(
      'SELECT count(*)::int AS n, min(id)::int AS lo, max(id)::int AS hi FROM orders',
    );
    expect(orders.rows[0]).toEqual({ n: 20_000, lo: 1, hi: 20_000 });
    // recorded with this execution, lock released
    const recorded = await db.client.query(
      'SELECT DISTINCT execution_id FROM zerodown.migrations WHERE rolled_back_at IS NULL',
    );
    expect(recorded.rows).toEqual([{ execution_id: result.executionId }]);
    expect(result.executionId).toMatch(/:execution:[A-Za-z0-9]+:local-v1$/);
    expect(await leaseOwner(db.client)).toBeNull();
  });

  it('running the same release again applies nothing and succeeds', async () => {
    const { result, entered } = await runRelease(db.url, example.template, {
      input: { release: 'v1' },
      approveGates: true,
    });
    expect(result.status).toBe('succeeded');
    expect(entered).not.toContain('Expand');
    expect(entered).not.toContain('Contract');
  });
});
