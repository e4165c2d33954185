import { describe, expect, it } from 'vitest';
import { findGate } from '../../core/gates/gates.ts';
import { runCli } from '../support/cli-process.ts';
import { useFreshDatabase } from '../support/database.ts';
import { leaseOwner, seedExampleTables, startRelease, useExampleTemplate } from './support/scenario.ts';

// A release rejected at its beforeContract gate by `zerodown gate reject` in another process: the
// execution fails with GateRejected and the reason, the expand (backward compatible) is kept, no
// contract runs, the lock is released.
const db = useFreshDatabase();
const example = useExampleTemplate();

async function columnsOf(table: string): Promise<string[]> {
  const { rows } = await db.client.query(
    "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = $1 ORDER BY 1",
    [table],
  );
  return rows.map((r) => r.column_name);
}

describe('gate rejection', () => {
  it('fails with GateRejected and the reason, keeps the expand, runs no contract, releases the lock', async () => {
    await seedExampleTables(db.client, 2_000);
    const running = startRelease(db.url, example.template, { input: { release: 'r1' } });
    expect(await running.waitingAtGate()).toBe('beforeContract');
    const rejection = await runCli([
      'gate',
      'reject',
      '--release',
      'r1',
      '--reason',
      'canary error rate 4%',
      '--by',
      'ops',
      '--database-url',
      db.url,
    ]);
    expect(rejection.code).toBe(0);
    const { result, entered } = await running.done;
    expect(result).toMatchObject({
      status: 'failed',
      error: 'GateRejected',
      failedState: 'GateBeforeContract',
    });
    expect(result.cause).toBe('gate beforeContract of release r1 was rejected by ops: canary error rate 4%');
    expect(entered).toEqual(expect.arrayContaining(['ShouldRollbackOnGateReject', 'ReleaseLock', 'Failed']));
    expect(entered).not.toContain('Rollback');
    expect(entered).not.toContain('Contract');
    // expand and backfill kept: the old app version still works with it
    expect(await columnsOf('users')).toEqual(['created_at', 'display_name', 'id', 'username']);
    expect(await columnsOf('orders')).toEqual(['id', 'id_new', 'total', 'user_id']);
    const filled = await db.client.query(
      'SELECT count(*)::int AS n FROM users WHERE display_name = username',
    );
    expect(filled.rows[0].n).toBe(2_000);
    expect((await findGate(db.client, 'r1', 'beforeContract'))?.decision).toBe('rejected');
    expect(await leaseOwner(db.client)).toBeNull();
  });
});
